# make_goldens.R: goldens of the kernel density for tests/unit/test_kde.c,
# from spatstat.explore::density.ppp (Debian r-cran-spatstat.explore).
# Regenerate from the project root with
#   Rscript tests/golden/kde/make_goldens.R
# Points in km on a 32 x 24 window of 1 km pixels with its corner at
# (500, 1000); cases: kernel, sigma, edge correction, weights. Output:
# points.csv (x,y,w) and density.csv (case,col,row,value), col/row 0-based
# from the lower-left pixel, values with 17 digits. Also utm.csv: lon/lat
# projected to EPSG:32651 by sf (PROJ) for the projection test.
suppressMessages(library(spatstat.explore))
set.seed(42)
n1 <- 300; n2 <- 200
x <- c(runif(n1, 500, 532), rnorm(n2, 510, 2.5))
y <- c(runif(n1, 1000, 1024), rnorm(n2, 1015, 2))
keep <- x > 500 & x < 532 & y > 1000 & y < 1024
x <- x[keep]; y <- y[keep]
w <- round(runif(length(x), 0.5, 3), 2)
W <- owin(c(500, 532), c(1000, 1024))
X <- ppp(x, y, window = W)
write.csv(data.frame(x = sprintf("%.17g", x), y = sprintf("%.17g", y), w = w),
          "tests/golden/kde/points.csv", row.names = FALSE, quote = FALSE)
cases <- list(
  list(id = "gauss3", kernel = "gaussian", sigma = 3, edge = FALSE, weighted = FALSE),
  list(id = "quartic2.5", kernel = "quartic", sigma = 2.5, edge = FALSE, weighted = FALSE),
  list(id = "gauss4edge", kernel = "gaussian", sigma = 4, edge = TRUE, weighted = FALSE),
  list(id = "gauss2w", kernel = "gaussian", sigma = 2, edge = FALSE, weighted = TRUE),
  list(id = "gauss0.7", kernel = "gaussian", sigma = 0.7, edge = FALSE, weighted = FALSE),
  list(id = "quartic3edge", kernel = "quartic", sigma = 3, edge = TRUE, weighted = FALSE)
)
out <- NULL
for (cs in cases) {
  D <- density(X, sigma = cs$sigma, kernel = cs$kernel, edge = cs$edge,
               weights = if (cs$weighted) w else NULL, dimyx = c(24, 32))
  stopifnot(abs(D$xstep - 1) < 1e-12, abs(D$ystep - 1) < 1e-12)
  v <- D$v # v[row, col], row 1 = lowest y
  g <- expand.grid(row = 0:23, col = 0:31)
  out <- rbind(out, data.frame(case = cs$id, col = g$col, row = g$row,
                               value = sprintf("%.17g", v[cbind(g$row + 1, g$col + 1)])))
}
write.csv(out, "tests/golden/kde/density.csv", row.names = FALSE, quote = FALSE)
cat("bw.scott isotropic:", sprintf("%.17g", bw.scott(X, isotropic = TRUE)), "\n")
writeLines(sprintf("%.17g", bw.scott(X, isotropic = TRUE)), "tests/golden/kde/bw_scott.txt")
suppressMessages(library(sf))
ll <- rbind(c(123, 0.0001), c(120.9842, 14.5995), c(123.8854, 10.3157), c(125.6128, 7.0731),
            c(117.0, 8.5), c(126.6, 21.1), c(121.0, 18.6), c(119.5, 5.1))
en <- sf_project("EPSG:4326", "EPSG:32651", ll)
write.csv(data.frame(lon = ll[, 1], lat = ll[, 2], e = sprintf("%.6f", en[, 1]),
                     n = sprintf("%.6f", en[, 2])),
          "tests/golden/kde/utm.csv", row.names = FALSE, quote = FALSE)
