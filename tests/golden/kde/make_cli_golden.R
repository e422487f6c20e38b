# make_cli_golden.R: end-to-end golden of `tanaw kde` (tests/cli/test_kde.sh):
# 300 case records with coordinates around Metro Cebu (cli_cases.csv), projected
# by PROJ (sf, EPSG:4326 -> EPSG:32651), density.ppp(sigma = 3 km, gaussian,
# edge = FALSE) on the grid [560000, 620000] x [1110000, 1170000] m of 2 km
# cells (30 x 30), in cases per km^2 (spatstat's per m^2 x 1e6), row-major
# from the lowest row: cli_density.txt. Regenerate from the project root:
#   Rscript tests/golden/kde/make_cli_golden.R
suppressMessages({library(spatstat.explore); library(sf)})
set.seed(7)
n <- 300
lon <- c(rnorm(200, 123.89, 0.05), runif(100, 123.55, 124.05))
lat <- c(rnorm(200, 10.31, 0.04), runif(100, 9.98, 10.48))
d <- data.frame(case_id = sprintf("K%04d", 1:n), report_date = "2024-05-01", source = "NBI",
                lon = sprintf("%.6f", lon), lat = sprintf("%.6f", lat))
write.csv(d, "tests/golden/kde/cli_cases.csv", row.names = FALSE, quote = FALSE)
xy <- sf_project("EPSG:4326", "EPSG:32651", cbind(as.numeric(d$lon), as.numeric(d$lat)))
W <- owin(c(560000, 620000), c(1110000, 1170000))
inside <- inside.owin(xy[, 1], xy[, 2], W)
X <- ppp(xy[inside, 1], xy[inside, 2], window = W)
D <- density(X, sigma = 3000, kernel = "gaussian", edge = FALSE, dimyx = c(30, 30))
v <- as.vector(t(D$v)) * 1e6
writeLines(sprintf("%.17g", v), "tests/golden/kde/cli_density.txt")
cat(npoints(X), "of", n, "points inside the window\n")
