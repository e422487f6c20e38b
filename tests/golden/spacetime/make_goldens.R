# make_goldens.R: goldens of the Mann-Kendall test and Sen's slope for
# tests/unit/test_spacetime.c. Regenerate with
#   Rscript tests/golden/spacetime/make_goldens.R   (from the project root)
# Kendall (the CRAN package) is not in Debian, so the reference is written
# here from the textbook formulas (Kendall 1975; Sen 1968) and checked
# against base R's cor.test(x, time, method = "kendall", exact = FALSE,
# continuity = TRUE): z, p and tau-b must agree to 1e-12 or the script stops.
# Output: mk_series.csv (id,t,x; t 1-based) and mk_expected.csv.
set.seed(20261128)
series <- list(
  monotone = c(1, 2, 3, 4, 5),
  ties = c(5, 3, 3, 2, 4, 4, 4, 1),
  normal12 = round(rnorm(12), 2),
  pois48 = rpois(48, 3),
  walk30 = round(cumsum(rnorm(30)), 3),
  sparse12 = c(0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 3, 0),
  pois20 = rpois(20, 0.5),
  down10 = c(9, 8, 8, 7, 5, 5, 4, 2, 1, 0),
  two = c(3, 1)
)
mk <- function(x) {
  n <- length(x)
  S <- 0
  sl <- numeric(0)
  for (i in 1:(n - 1)) for (j in (i + 1):n) {
    S <- S + sign(x[j] - x[i])
    sl <- c(sl, (x[j] - x[i]) / (j - i))
  }
  t <- as.numeric(table(x))
  varS <- (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5))) / 18
  z <- if (S > 0) (S - 1) / sqrt(varS) else if (S < 0) (S + 1) / sqrt(varS) else 0
  p <- 2 * pnorm(-abs(z))
  tau <- S / sqrt((n * (n - 1) / 2 - sum(t * (t - 1) / 2)) * n * (n - 1) / 2)
  if (n > 2) {
    ct <- suppressWarnings(cor.test(x, seq_along(x), method = "kendall",
                                    exact = FALSE, continuity = TRUE))
    stopifnot(abs(ct$statistic - z) < 1e-12, abs(ct$p.value - p) < 1e-12,
              abs(ct$estimate - tau) < 1e-12)
  }
  c(n = n, S = S, varS = varS, z = z, p = p, tau = tau, sen = median(sl))
}
long <- do.call(rbind, lapply(names(series), function(id)
  data.frame(id = id, t = seq_along(series[[id]]), x = series[[id]])))
write.csv(long, "tests/golden/spacetime/mk_series.csv", row.names = FALSE, quote = FALSE)
res <- do.call(rbind, lapply(names(series), function(id)
  data.frame(id = id, t(mk(series[[id]])))))
res[] <- lapply(res, function(v) if (is.numeric(v)) sprintf("%.17g", v) else v)
write.csv(res, "tests/golden/spacetime/mk_expected.csv", row.names = FALSE, quote = FALSE)

# ---- space-time Gi* (spdep::localG) and categories on a small cube ----
# 5 x 4 rook lattice (20 areas), 12 steps, time neighbours K = 1: bin
# (i, t) has the bins of i and its rook neighbours at t-1 and t. Counts:
# Poisson background, a block that rises in the last 4 steps, a block hot
# all along, a corner that fades. z from spdep::localG with include.self,
# style "B"; p two-sided normal, BH over all bins; Mann-Kendall of each
# area's z series by mk() above; categories by the rules of
# docs/emerging.md written again here in R.
suppressMessages(library(spdep))
nr <- 4; nc <- 5; n <- nr * nc; TT <- 12; K <- 1
rc <- function(i) c((i - 1) %/% nc, (i - 1) %% nc)
nbl <- lapply(1:n, function(i) {
  p <- rc(i); out <- integer(0)
  for (j in 1:n) { q <- rc(j); if (sum(abs(p - q)) == 1) out <- c(out, j) }
  out
})
x <- matrix(rpois(n * TT, 2), nrow = TT) # x[t, i]
for (i in c(7, 8, 12, 13)) x[9:12, i] <- x[9:12, i] + 12
for (i in c(14, 15, 19, 20)) x[, i] <- x[, i] + 9 + (1:TT) %/% 2
for (t in 1:7) x[t, c(1, 2, 6)] <- x[t, c(1, 2, 6)] + 10
x[c(3, 7, 12), 10] <- x[c(3, 7, 12), 10] + 14
bin <- function(i, t) (t - 1) * n + i
stnb <- vector("list", n * TT)
for (t in 1:TT) for (i in 1:n) {
  ss <- max(1, t - K):t
  js <- sort(c(i, nbl[[i]]))
  stnb[[bin(i, t)]] <- sort(as.integer(unlist(lapply(ss, function(s) bin(js, s)))))
}
class(stnb) <- "nb"
attr(stnb, "self.included") <- TRUE
lw <- nb2listw(stnb, style = "B", zero.policy = TRUE)
xv <- as.vector(t(x)) # bin order: step-major
z <- as.numeric(localG(xv, lw, zero.policy = TRUE))
p <- 2 * pnorm(-abs(z))
padj <- p.adjust(p, "BH")
category <- function(sig, tz, tp, alpha = 0.05) {
  TT <- length(sig); nh <- sum(sig > 0); nc <- sum(sig < 0); last <- sig[TT]
  if (last != 0) {
    same <- if (last > 0) nh else nc; opp <- if (last > 0) nc else nh
    if (10 * same >= 9 * TT) {
      if (is.na(tp) || tp > alpha || tz == 0) return(last * 4)
      return(last * (if ((tz > 0) == (last > 0)) 3 else 5))
    }
    if (opp > 0) return(last * 7)
    run <- 0; while (run < TT && sig[TT - run] == last) run <- run + 1
    if (run == same) return(last * (if (run == 1) 1 else 2))
    return(last * 6)
  }
  if (10 * nh >= 9 * TT) return(8)
  if (10 * nc >= 9 * TT) return(-8)
  0
}
res <- do.call(rbind, lapply(1:n, function(i) {
  b <- bin(i, 1:TT)
  m <- mk(z[b])
  sig <- ifelse(padj[b] <= 0.05, sign(z[b]), 0)
  data.frame(area = i - 1, trend_z = sprintf("%.17g", m["z"]), trend_p = sprintf("%.17g", m["p"]),
             hot = sum(sig > 0), cold = sum(sig < 0),
             category = category(sig, m["z"], m["p"]))
}))
write.csv(data.frame(step = rep(0:(TT - 1), each = n), area = rep(0:(n - 1), TT),
                     count = xv, z = sprintf("%.17g", z), p_adjusted = sprintf("%.17g", padj)),
          "tests/golden/spacetime/cube.csv", row.names = FALSE, quote = FALSE)
write.csv(res, "tests/golden/spacetime/cube_areas.csv", row.names = FALSE, quote = FALSE)
print(table(res$category))
