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
