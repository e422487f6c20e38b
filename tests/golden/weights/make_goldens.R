# make_goldens.R: golden neighbour sets and distances for the weights tests,
# computed with R 4.2, spdep 1.2-7 and sf (Debian packages).
#
#   Rscript tests/golden/weights/make_goldens.R [DATA_DIR]
#
# DATA_DIR is the Philippine data folder (default: ../shared/data/ph from
# the project root, as the tests find it). Run from the project root; it
# rewrites the CSVs next to this script. Inputs committed here:
# synth_polys.csv (hand-made polygons in exact dyadic coordinates) and
# pts.csv (written by this script from a fixed seed on the first run).
#
# Output format: one row per area, "id,neighbours" with the neighbour ids
# separated by blanks (empty when none); distances "from,to,km" with %.17g.
suppressMessages({library(sf); library(spdep)})
sf_use_s2(FALSE)
args <- commandArgs(trailingOnly = TRUE)
data <- if (length(args) >= 1) args[1] else "../shared/data/ph"
here <- "tests/golden/weights"

write_nb <- function(nb, ids, file) {
  nbr <- vapply(seq_along(nb), function(i) {
    v <- nb[[i]]
    v <- v[v > 0]
    paste(ids[v], collapse = " ")
  }, "")
  writeLines(c("id,neighbours", paste0(ids, ",", nbr)), file.path(here, file))
}
write_dist <- function(nb, x, ids, file, max_rows = Inf) {
  d <- nbdists(nb, x, longlat = TRUE)
  rows <- character(0)
  for (i in seq_along(nb)) {
    for (t in seq_along(nb[[i]])) {
      if (nb[[i]][t] == 0) next
      rows <- c(rows, sprintf("%s,%s,%.17g", ids[i], ids[nb[[i]][t]], d[[i]][t]))
    }
    if (length(rows) >= max_rows) break
  }
  writeLines(c("from,to,km", rows), file.path(here, file))
}

## 1. synthetic polygons: grid of squares with a gap, a polygon with a hole
## and a square inside it, a diagonal touch, a multipolygon, a T-junction,
## vertices 2^-30 (inside snap) and 2^-25 degrees (outside) off a corner.
sp <- read.csv(file.path(here, "synth_polys.csv"), colClasses = c("character", rep("integer", 6)))
sp$x <- 121 + sp$ux / 16 + sp$ex * 2^-30
sp$y <- 14 + sp$uy / 16 + sp$ey * 2^-30
ids <- unique(sp$id)
geoms <- lapply(ids, function(id) {
  s <- sp[sp$id == id, ]
  parts <- lapply(unique(s$part), function(p) {
    sp2 <- s[s$part == p, ]
    lapply(unique(sp2$ring), function(r) as.matrix(sp2[sp2$ring == r, c("x", "y")]))
  })
  if (length(parts) == 1) st_polygon(parts[[1]]) else st_multipolygon(parts)
})
synth <- st_sf(id = ids, geometry = st_sfc(geoms, crs = 4326))
write_nb(poly2nb(synth, queen = TRUE), ids, "synth_queen.csv")
write_nb(poly2nb(synth, queen = FALSE), ids, "synth_rook.csv")

## 2. points: random, plus a duplicate and exact east/west ties
pf <- file.path(here, "pts.csv")
if (!file.exists(pf)) {
  set.seed(20231128)
  ix <- sample.int(8192, 60, replace = TRUE) - 1L
  iy <- sample.int(8192, 60, replace = TRUE) - 1L
  ix <- c(ix, ix[5], 4096L, 3596L, 4596L, 4096L)   # duplicate of p5; centre; east/west twins
  iy <- c(iy, iy[5], 4096L, 4096L, 4096L, 4596L)   # ... and one to the north
  write.csv(data.frame(id = paste0("p", seq_along(ix)), ix = ix, iy = iy), pf,
            row.names = FALSE, quote = FALSE)
}
pts <- read.csv(pf, colClasses = c("character", "integer", "integer"))
px <- cbind(121 + pts$ix / 4096, 10 + pts$iy / 4096)
for (k in c(1, 4, 8)) {
  nb <- knn2nb(knearneigh(px, k = k, longlat = TRUE))
  write_nb(nb, pts$id, sprintf("pts_knn%d.csv", k))
}
nb8 <- knn2nb(knearneigh(px, k = 8, longlat = TRUE))
write_dist(nb8, px, pts$id, "pts_dist.csv")
# bands: 20 km, and one exactly equal to a pair's distance (bounds "GE","LE")
dexact <- nbdists(nb8, px, longlat = TRUE)[[1]][3]
bands <- c(20, dexact)
writeLines(c("name,km", sprintf("band%d,%.17g", seq_along(bands), bands)),
           file.path(here, "pts_band_params.csv"))
for (b in seq_along(bands))
  write_nb(dnearneigh(px, 0, bands[b], longlat = TRUE), pts$id, sprintf("pts_band%d.csv", b))

## 3. Cebu (real data, read from DATA_DIR at test time; only outputs here)
mun <- st_read(file.path(data, "cebu_metro/municipalities.geojson"), quiet = TRUE)
write_nb(poly2nb(mun, queen = TRUE), mun$psgc, "cebu_mun_queen.csv")
write_nb(poly2nb(mun, queen = FALSE), mun$psgc, "cebu_mun_rook.csv")
# A GeoDa GAL written by spdep, for our reader (ids as region.id; spdep's
# write.sn2gwt writes indices, not ids, so there is no GWT counterpart)
nbq <- poly2nb(mun, queen = TRUE)
attr(nbq, "region.id") <- mun$psgc   # poly2nb takes sf row names, not row.names
write.nb.gal(nbq, file.path(here, "cebu_mun_queen.gal"), oldstyle = FALSE,
             shpfile = "municipalities", ind = "psgc")
bgy <- st_read(file.path(data, "cebu_metro/barangays.geojson"), quiet = TRUE)
write_nb(poly2nb(bgy, queen = TRUE), bgy$psgc, "cebu_bgy_queen.csv")
write_nb(poly2nb(bgy, queen = FALSE), bgy$psgc, "cebu_bgy_rook.csv")
bc <- read.csv(file.path(data, "cebu_metro/barangays.csv"), colClasses = c(psgc = "character"))
bc <- bc[!is.na(bc$lon) & !is.na(bc$lat), ]
bx <- cbind(bc$lon, bc$lat)
for (k in c(4, 8)) {
  nb <- knn2nb(knearneigh(bx, k = k, longlat = TRUE))
  write_nb(nb, bc$psgc, sprintf("cebu_bgy_knn%d.csv", k))
  if (k == 8) write_dist(nb, bx, bc$psgc, "cebu_bgy_dist.csv", max_rows = 200)
}
write_nb(dnearneigh(bx, 0, 2, longlat = TRUE), bc$psgc, "cebu_bgy_band2.csv")
cat("goldens written to", here, "\n")
