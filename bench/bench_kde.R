# bench_kde.R: the R side of bench/bench_kde.sh. Writes N clustered points
# (km) to POINTS.csv, times spatstat.explore::density.ppp(edge = FALSE,
# gaussian, sigma) on the same 500 x 500 grid, and compares with tanaw's
# surface (OUT of bench_kde) when given.
#   Rscript bench/bench_kde.R N POINTS.csv RUNS [TANAW_SURFACE]
suppressMessages(library(spatstat.explore))
args <- commandArgs(TRUE)
n <- as.integer(args[1]); pts <- args[2]; runs <- as.integer(args[3])
set.seed(1)
# a national-scale pattern: 60 % in 40 clusters, 40 % spread, in a 1000 km box
k <- 40
cx <- runif(k, 100, 900); cy <- runif(k, 100, 900); sd <- runif(k, 3, 25)
m <- rbinom(1, n, 0.6)
id <- sample.int(k, m, replace = TRUE)
x <- c(cx[id] + rnorm(m) * sd[id], runif(n - m, 0, 1000))
y <- c(cy[id] + rnorm(m) * sd[id], runif(n - m, 0, 1000))
x <- pmin(pmax(x, 0.001), 999.999); y <- pmin(pmax(y, 0.001), 999.999)
if (length(args) < 4 || !file.exists(pts))
  write.csv(data.frame(x = sprintf("%.10f", x), y = sprintf("%.10f", y)), pts,
            row.names = FALSE, quote = FALSE)
d <- read.csv(pts)
X <- ppp(d$x, d$y, window = owin(c(0, 1000), c(0, 1000)))
t <- numeric(runs)
for (r in 1:runs) {
  t0 <- proc.time()[["elapsed"]]
  D <- density(X, sigma = 10, kernel = "gaussian", edge = FALSE, dimyx = c(500, 500))
  t[r] <- proc.time()[["elapsed"]] - t0
}
cat(sprintf("spatstat density.ppp: %d points, 500 x 500 grid: median %.4f s of %d runs\n",
            npoints(X), median(t), runs))
if (length(args) >= 4 && file.exists(args[4])) {
  v <- scan(args[4], quiet = TRUE)
  ref <- as.vector(t(D$v)) # row-major, row 1 the lowest y
  big <- ref > 1e-9 * max(ref)
  cat(sprintf("max relative difference tanaw vs density.ppp (cells above 1e-9 of the peak): %.3g\n",
              max(abs(v[big] - ref[big]) / ref[big])))
}
