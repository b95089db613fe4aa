# The R side of bench/survey: the same estimate as ictdev, timed with and
# without reading. Usage: Rscript survey.R FILE
suppressMessages({library(data.table); library(survey)})
file <- commandArgs(trailingOnly = TRUE)[1]
t0 <- proc.time()[["elapsed"]]
d <- fread(file, showProgress = FALSE)
t1 <- proc.time()[["elapsed"]]
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
r <- svyby(~internet + mobile + skill, ~sex + urban, subset(des, age >= 15),
           svymean, na.rm = TRUE)
t2 <- proc.time()[["elapsed"]]
for (i in seq_len(nrow(r))) for (v in c("internet", "mobile", "skill")) {
  cat(sprintf("EST,%s,%s,%s,%.17g,%.17g\n", r$sex[i], r$urban[i], v, r[[v]][i],
              r[[paste0("se.", v)]][i]))
}
cat(sprintf("R-timing read %.3f estimate %.3f total %.3f\n", t1 - t0, t2 - t1, t2 - t0))
