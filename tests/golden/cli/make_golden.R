# make_golden.R: golden values for the end-to-end CLI test (test_golden_gistar.sh).
# Synthetic counts per city/municipality of the cebu_metro subset (53 LGUs),
# then spdep 1.2-7 on the rate per 100,000 with k=8 nearest neighbours
# (longlat on the CSV's lon/lat):
#   Gi*: localG(x, nb2listw(include.self(nb), style = "B"))
#   local Moran: localmoran(x, nb2listw(nb, style = "W"))
#   global Moran: moran.test(x, nb2listw(nb, style = "W"), randomisation = TRUE/FALSE)
# Run from the project root:  Rscript tests/golden/cli/make_golden.R [DATA_DIR]
suppressPackageStartupMessages(library(spdep))
args <- commandArgs(trailingOnly = TRUE)
data <- if (length(args)) args[1] else Sys.getenv("TANAW_DATA", "../shared/data/ph")
out <- "tests/golden/cli"
m <- read.csv(file.path(data, "cebu_metro", "municipalities.csv"),
              colClasses = c(psgc = "character"))
set.seed(20261128)
# Counts: Poisson around 40 per 100,000, tripled in Lapu-Lapu, Mandaue, Cordova.
lambda <- m$pop2020 * 40 / 1e5
hot <- m$psgc %in% c("0731100000", "0731300000", "0722020000")
lambda[hot] <- lambda[hot] * 3
count <- rpois(nrow(m), lambda)
write.csv(data.frame(psgc = m$psgc, count = count), file.path(out, "cebu_counts.csv"),
          row.names = FALSE, quote = FALSE)
x <- count / m$pop2020 * 1e5
coords <- cbind(m$lon, m$lat)
nb <- knn2nb(knearneigh(coords, k = 8, longlat = TRUE))
g <- as.numeric(localG(x, nb2listw(include.self(nb), style = "B")))
lm <- localmoran(x, nb2listw(nb, style = "W"))
res <- data.frame(id = m$psgc, count = count, rate = x, gistar_z = g,
                  Ii = lm[, "Ii"], E.Ii = lm[, "E.Ii"], Var.Ii = lm[, "Var.Ii"], Z.Ii = lm[, "Z.Ii"])
write.csv(format(res, digits = 17), file.path(out, "cebu_local_golden.csv"), row.names = FALSE, quote = FALSE)
lw <- nb2listw(nb, style = "W")
mr <- moran.test(x, lw, randomisation = TRUE, alternative = "two.sided")
mn <- moran.test(x, lw, randomisation = FALSE, alternative = "two.sided")
glob <- data.frame(I = mr$estimate[1], expected = mr$estimate[2], variance = mr$estimate[3],
                   z = mr$statistic, p = mr$p.value,
                   variance_normality = mn$estimate[3], z_normality = mn$statistic, p_normality = mn$p.value)
write.csv(format(glob, digits = 17), file.path(out, "cebu_moran_golden.csv"), row.names = FALSE, quote = FALSE)
cat("wrote", out, "\n")
