# make_centroids.R: golden polygon centroids for tests/unit/test_areas.c.
# Planar (GEOS) centroids in lon/lat degrees, i.e. sf::st_centroid with
# s2 switched off, of the cebu_metro municipalities and the national
# provinces layer (holes and multipolygons). Also each feature's number of
# rings and vertices, to check the reader. R 4.2, sf (Debian r-cran-sf).
#
# Run from the project root:
#   Rscript tests/golden/geo/make_centroids.R ../shared/data/ph
suppressPackageStartupMessages(library(sf))
sf_use_s2(FALSE)
args <- commandArgs(trailingOnly = TRUE)
data <- if (length(args)) args[1] else "../shared/data/ph"
one <- function(file, out) {
  g <- st_read(file.path(data, file), quiet = TRUE, stringsAsFactors = FALSE)
  cen <- suppressWarnings(st_coordinates(st_centroid(st_geometry(g))))
  rings <- vapply(st_geometry(g), function(x) {
    if (inherits(x, "MULTIPOLYGON")) sum(lengths(x)) else length(x)
  }, 1)
  pts <- vapply(st_geometry(g), function(x) nrow(st_coordinates(x)), 1)
  d <- data.frame(psgc = g$psgc, n_rings = rings, n_points = pts,
                  lon = sprintf("%.12f", cen[, 1]), lat = sprintf("%.12f", cen[, 2]))
  write.csv(d, out, row.names = FALSE, quote = FALSE)
}
one("cebu_metro/municipalities.geojson", "tests/golden/geo/centroids_cebu_municipalities.csv")
one("provinces.geojson", "tests/golden/geo/centroids_provinces.csv")
