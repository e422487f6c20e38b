# make_goldens.R: regenerates the golden values of tests/unit/test_stats_golden.c
# from R 4.2 + spdep 1.2-7 (Debian r-cran-spdep). Run from this folder:
#   Rscript make_goldens.R
# Inputs (neighbour lists and values) are written beside the outputs so the
# C test feeds our code exactly what spdep saw. Numbers are printed with 17
# significant digits; NA (islands, zero variance) is written as NA.
suppressMessages(library(spdep))
stopifnot(packageVersion("spdep") == "1.2.7")
set.seed(20240601)
f17 <- function(v) ifelse(is.na(v), "NA", sprintf("%.17g", v))

# Geographies ---------------------------------------------------------------
# 1. 7x7 rook grid with cells 2, 8 and 24, 26, 18, 32 removed: cell 1 and
#    cell 25 (the centre) become islands; 43 areas remain.
g <- cell2nb(7, 7, type = "rook")
drop <- c(2, 8, 18, 24, 26, 32)
keep <- setdiff(1:49, drop)
grid <- subset(g, (1:49) %in% keep)
# 2. 60 random points, 4 nearest neighbours (asymmetric).
pts <- cbind(runif(60), runif(60))
knn <- knn2nb(knearneigh(pts, k = 4))
graphs <- list(grid = grid, knn = knn)

links <- do.call(rbind, lapply(names(graphs), function(gn) {
  nb <- graphs[[gn]]
  do.call(rbind, lapply(seq_along(nb), function(i) {
    j <- nb[[i]][nb[[i]] > 0]
    if (length(j) == 0) return(NULL)
    data.frame(graph = gn, i = i - 1, j = j - 1)
  }))
}))
write.csv(links, "nb.csv", row.names = FALSE, quote = FALSE)

# Values: continuous with ties (one decimal, a repeated value), counts
# with many zeros, a population, and the EB rate of the counts.
vals <- do.call(rbind, lapply(names(graphs), function(gn) {
  n <- length(graphs[[gn]])
  xc <- round(rnorm(n, 10, 3), 1)
  xc[c(3, 7, 11)] <- 12.5
  xn <- rpois(n, 0.9)
  pop <- round(runif(n, 200, 20000))
  xr <- EBest(xn, pop)$estmm * 1e5  # rates per 100,000 (EB), as tanaw analyses
  data.frame(graph = gn, i = 0:(n - 1), n = n, xc = f17(xc), xn = xn, pop = pop, xr = f17(xr))
}))
write.csv(vals, "x.csv", row.names = FALSE, quote = FALSE)
getx <- function(gn, v) as.numeric(vals[vals$graph == gn, v])

# localG: Gi* (include.self) and Gi, styles B and W --------------------------
out <- NULL
for (gn in names(graphs)) for (v in c("xc", "xn", "xr")) for (st in c("B", "W"))
  for (self in c(1, 0)) {
    nb <- graphs[[gn]]
    if (self == 1) nb <- include.self(nb)
    lw <- nb2listw(nb, style = st, zero.policy = TRUE)
    r <- localG(getx(gn, v), lw, zero.policy = TRUE, return_internals = TRUE)
    it <- attr(r, "internals")
    out <- rbind(out, data.frame(graph = gn, var = v, style = st, self = self,
      i = seq_along(r) - 1, G = f17(it[, 1]), EG = f17(it[, 2]), VG = f17(it[, 3]),
      Z = f17(as.numeric(r)), P = f17(it[, 5])))
  }
write.csv(out, "localG.csv", row.names = FALSE, quote = FALSE)

# localmoran (defaults: conditional = TRUE, mlvar = TRUE, two-sided) ---------
out <- NULL
for (gn in names(graphs)) for (v in c("xc", "xn", "xr")) for (st in c("W", "B")) {
  lw <- nb2listw(graphs[[gn]], style = st, zero.policy = TRUE)
  r <- localmoran(getx(gn, v), lw, zero.policy = TRUE)
  out <- rbind(out, data.frame(graph = gn, var = v, style = st, i = 1:nrow(r) - 1,
    Ii = f17(r[, 1]), EIi = f17(r[, 2]), VarIi = f17(r[, 3]), ZIi = f17(r[, 4]),
    P = f17(r[, 5])))
}
write.csv(out, "localmoran.csv", row.names = FALSE, quote = FALSE)

# moran.test: both variances, two-sided and the default "greater" ------------
out <- NULL
for (gn in names(graphs)) for (v in c("xc", "xn", "xr")) for (st in c("W", "B"))
  for (rnd in c(TRUE, FALSE)) {
    lw <- nb2listw(graphs[[gn]], style = st, zero.policy = TRUE)
    x <- getx(gn, v)
    t2 <- moran.test(x, lw, randomisation = rnd, zero.policy = TRUE,
                     alternative = "two.sided")
    tg <- moran.test(x, lw, randomisation = rnd, zero.policy = TRUE)
    out <- rbind(out, data.frame(graph = gn, var = v, style = st,
      randomisation = as.integer(rnd), I = f17(t2$estimate[1]),
      EI = f17(t2$estimate[2]), VI = f17(t2$estimate[3]), Z = f17(t2$statistic),
      P2 = f17(t2$p.value), Pg = f17(tg$p.value)))
  }
write.csv(out, "moran.csv", row.names = FALSE, quote = FALSE)

# EBest: heterogeneous rates (a > 0) and homogeneous ones (a clipped to 0) --
eb_case <- function(name, n, x) {
  e <- EBest(n, x)
  data.frame(case = name, i = seq_along(n) - 1, n = n, x = x, raw = f17(e$raw),
             est = f17(e$estmm), a = f17(attr(e, "parameters")$a),
             b = f17(attr(e, "parameters")$b))
}
pop <- getx("knn", "pop")
n_het <- rpois(60, pop * rgamma(60, 2, 2) * 1e-3)
n_hom <- rpois(60, pop * 1e-4)
tiny <- c(0.5, 3, 1, 2, 800, 12000, 25000, 4, 9, 150)
n_tiny <- c(0, 1, 0, 2, 1, 3, 40, 0, 0, 1)
out <- rbind(eb_case("het", n_het, pop), eb_case("hom", n_hom, pop),
             eb_case("tiny", n_tiny, tiny))
write.csv(out, "ebest.csv", row.names = FALSE, quote = FALSE)

# p.adjust, with NA (islands) and ties ---------------------------------------
zg <- localG(getx("grid", "xc"), nb2listw(grid, style = "B", zero.policy = TRUE),
             zero.policy = TRUE)
p1 <- 2 * pnorm(abs(as.numeric(zg)), lower.tail = FALSE)
p2 <- c(0.01, 0.04, 0.04, 0.03, 0.2, 0.5, 1, 0.001, 0.04, NA, 0)
out <- rbind(
  data.frame(case = "gi", i = seq_along(p1) - 1, p = f17(p1),
             bonferroni = f17(p.adjust(p1, "bonferroni")), BH = f17(p.adjust(p1, "BH"))),
  data.frame(case = "ties", i = seq_along(p2) - 1, p = f17(p2),
             bonferroni = f17(p.adjust(p2, "bonferroni")), BH = f17(p.adjust(p2, "BH"))))
write.csv(out, "padjust.csv", row.names = FALSE, quote = FALSE)
cat("goldens written\n")
