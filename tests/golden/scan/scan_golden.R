# scan_golden.R: an independent base-R implementation of Kulldorff's
# circular spatial scan (Poisson and Bernoulli; Kulldorff 1997) with
# SaTScan's windows, run on the Cebu metro municipalities of $TANAW_DATA
# with simulated counts. Written from the SaTScan user guide and Kulldorff
# (1997), not from Tanaw's C code. Regenerates, in this folder:
#   cebu_cases.csv, cebu_controls.csv  simulated counts (psgc,count)
#   golden_clusters.csv                 every non-overlapping cluster of three runs
# Run: Rscript tests/golden/scan/scan_golden.R   (from the project root)
# tests/cli/test_scan_golden.sh compares `tanaw scan` with golden_clusters.csv.

data_dir <- Sys.getenv("TANAW_DATA", "../shared/data/ph")
here <- "tests/golden/scan"
areas <- read.csv(file.path(data_dir, "cebu_metro", "municipalities.csv"),
                  colClasses = c(psgc = "character"))
n <- nrow(areas)

# ---- simulated counts: relative risk 2.5 within 12 km of Mandaue ----
R_EARTH <- 6367  # SaTScan's earth radius (km)
to_xyz <- function(lon, lat) {
  lo <- lon * pi / 180; la <- lat * pi / 180
  cbind(R_EARTH * cos(lo) * cos(la), R_EARTH * sin(lo) * cos(la), R_EARTH * sin(la))
}
P <- to_xyz(areas$lon, areas$lat)
chord <- function(i) sqrt((P[, 1] - P[i, 1])^2 + (P[, 2] - P[i, 2])^2 + (P[, 3] - P[i, 3])^2)
set.seed(20261128)
mandaue <- which(areas$psgc == "0731300000")
rr <- ifelse(chord(mandaue) <= 12, 2.5, 1)
cases <- as.vector(rmultinom(1, 900, areas$pop2020 * rr))
controls <- as.vector(rmultinom(1, 2500, areas$pop2020))
write.csv(data.frame(psgc = areas$psgc, count = cases), file.path(here, "cebu_cases.csv"),
          row.names = FALSE, quote = FALSE)
write.csv(data.frame(psgc = areas$psgc, count = controls), file.path(here, "cebu_controls.csv"),
          row.names = FALSE, quote = FALSE)

# ---- the scan ----
xlogy <- function(a, b) ifelse(a > 0, a * log(a / b), 0)
llr_of <- function(c, m, C, N, bern) {
  E <- m * C / N
  if (!(c > E) || c < 2) return(0)  # high rates, at least 2 cases (SaTScan's default)
  if (!bern) return(xlogy(c, E) + xlogy(C - c, C - E))
  l <- xlogy(c, m) + xlogy(m - c, m) + xlogy(C - c, N - m) + xlogy(N - m - C + c, N - m) -
    xlogy(C, N) - xlogy(N - C, N)
  max(l, 0)
}

scan <- function(cases, measure, share, bern) {
  C <- sum(cases); N <- sum(measure); cap <- share * N
  same <- function(i, j) all(P[i, ] == P[j, ])
  best <- list()
  for (c in seq_len(n)) {
    if (c > 1 && any(sapply(seq_len(c - 1), function(i) same(i, c)))) next  # co-located: one centre
    d <- chord(c)
    # distance, then the lesser coordinate (SaTScan), then the index
    ord <- order(d, P[, 1], P[, 2], P[, 3], seq_len(n))
    cs <- 0; m <- 0; top <- list(llr = 0, k = 0)
    for (k in seq_len(n)) {
      j <- ord[k]
      if (m + measure[j] > cap) break  # SaTScan: cumulative + population <= maximum
      cs <- cs + cases[j]; m <- m + measure[j]
      if (k < n && same(j, ord[k + 1])) next  # never split a location
      l <- llr_of(cs, m, C, N, bern)
      if (l > top$llr) top <- list(llr = l, k = k, obs = cs, exp = m * C / N)
    }
    if (top$k > 0) best[[length(best) + 1]] <- c(top, list(centre = c, members = ord[seq_len(top$k)]))
  }
  # secondary clusters: by LLR (ties: lower centre), no geographical overlap
  o <- order(-sapply(best, `[[`, "llr"), sapply(best, `[[`, "centre"))
  used <- rep(FALSE, n); out <- list()
  for (b in best[o]) {
    if (any(used[b$members])) next
    used[b$members] <- TRUE
    out[[length(out) + 1]] <- b
  }
  out
}

runs <- list(
  list(name = "poisson50", cases = cases, measure = areas$pop2020, share = 0.5, bern = FALSE),
  list(name = "poisson10", cases = cases, measure = areas$pop2020, share = 0.1, bern = FALSE),
  list(name = "bernoulli50", cases = cases, measure = cases + controls, share = 0.5, bern = TRUE))
rows <- NULL
for (r in runs) {
  cl <- scan(r$cases, r$measure, r$share, r$bern)
  for (q in seq_along(cl)) {
    b <- cl[[q]]
    rows <- rbind(rows, data.frame(run = r$name, rank = q, center_id = areas$psgc[b$centre],
                                   n_areas = b$k, observed = b$obs,
                                   expected = sprintf("%.9f", b$exp),
                                   llr = sprintf("%.12f", b$llr),
                                   members = paste(areas$psgc[b$members], collapse = " ")))
  }
}
write.csv(rows, file.path(here, "golden_clusters.csv"), row.names = FALSE, quote = FALSE)
cat("wrote", nrow(rows), "clusters of", length(runs), "runs\n")
