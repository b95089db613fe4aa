# Reference results from R's survey package for every case in cases.txt.
# Writes ref/<id>.csv in ictdev's output format (statistic,variable,<by>,
# estimate,se,ci_low,ci_high,n), or ref/<id>.err with the R error message.
# Run: Rscript tests/survey/make-reference.R  (needs r-cran-survey).
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
cases <- read.table(file.path(here, "cases.txt"), sep = ";", comment.char = "#",
                    quote = "", colClasses = "character", na.strings = NULL,
                    col.names = c("id", "file", "design", "stat", "vars", "by",
                                  "where", "lonely", "adl", "level"))
dir.create(file.path(here, "ref"), showWarnings = FALSE)
data_cache <- list()
fmt <- function(x) ifelse(is.na(x), "NaN", sprintf("%.17g", x))
csvq <- function(s) ifelse(grepl("[,\"]", s), paste0("\"", gsub("\"", "\"\"", s), "\""), s)

run_case <- function(cs) {
  if (is.null(data_cache[[cs$file]])) {
    data_cache[[cs$file]] <<- read.csv(file.path(here, "data", paste0(cs$file, ".csv")),
                                       na.strings = "", stringsAsFactors = FALSE)
  }
  d <- data_cache[[cs$file]]
  options(survey.lonely.psu = cs$lonely,
          survey.adjust.domain.lonely = cs$adl == "1")
  des <- switch(cs$design,
    full = svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE),
    nopsu = svydesign(ids = ~1, strata = ~stratum, weights = ~w, data = d),
    nostrata = svydesign(ids = ~psu, weights = ~w, data = d),
    srs = svydesign(ids = ~1, weights = ~w, data = d))
  dom <- rep(TRUE, nrow(d))
  if (cs$where != "") {
    rexpr <- gsub("||", "|", gsub("&&", "&", cs$where, fixed = TRUE), fixed = TRUE)
    e <- parse(text = rexpr)[[1]]
    des <- eval(bquote(subset(des, .(e))))
    r <- eval(e, d)
    dom <- r & !is.na(r)
  }
  level <- as.numeric(cs$level)
  q <- qnorm(1 - (1 - level) / 2)
  if (cs$stat == "ratio") {
    parts <- strsplit(cs$vars, ":")[[1]]
    vars <- parts
    f <- as.formula(paste0("~", parts[1]))
    den <- as.formula(paste0("~", parts[2]))
    outvars <- cs$vars
  } else {
    vars <- strsplit(cs$vars, ",")[[1]]
    f <- as.formula(paste0("~", paste(vars, collapse = "+")))
    outvars <- vars
  }
  ok <- dom & complete.cases(d[, vars, drop = FALSE])
  byv <- if (cs$by == "") character(0) else strsplit(cs$by, ",")[[1]]
  nv <- length(outvars)
  if (length(byv) == 0) {
    res <- switch(cs$stat,
      mean = svymean(f, des, na.rm = TRUE),
      total = svytotal(f, des, na.rm = TRUE),
      ratio = svyratio(f, den, des, na.rm = TRUE))
    est <- as.vector(coef(res)); se <- as.vector(SE(res))
    groups <- data.frame(row.names = 1)
    n <- sum(ok)
    rows <- data.frame(v = outvars, est = est, se = se, n = n, stringsAsFactors = FALSE)
  } else {
    byf <- as.formula(paste0("~", paste(byv, collapse = "+")))
    res <- switch(cs$stat,
      mean = svyby(f, byf, des, svymean, na.rm = TRUE),
      total = svyby(f, byf, des, svytotal, na.rm = TRUE),
      ratio = svyby(f, byf, des, svyratio, denominator = den, na.rm = TRUE))
    res <- as.data.frame(res)
    nb <- length(byv)
    rows <- NULL
    for (g in seq_len(nrow(res))) {
      inb <- ok
      for (b in byv) inb <- inb & !is.na(d[[b]]) & as.character(d[[b]]) == as.character(res[[b]][g])
      for (v in seq_len(nv)) {
        rows <- rbind(rows, data.frame(v = outvars[v], est = res[g, nb + v],
                                       se = res[g, nb + nv + v], n = sum(inb),
                                       grp = I(list(as.character(unlist(res[g, byv])))),
                                       stringsAsFactors = FALSE))
      }
    }
  }
  stat <- cs$stat
  lines <- paste(c("statistic", "variable", byv, "estimate", "se", "ci_low", "ci_high", "n"),
                 collapse = ",")
  for (i in seq_len(nrow(rows))) {
    grp <- if (length(byv)) sapply(rows$grp[[i]], csvq) else character(0)
    lines <- c(lines, paste(c(stat, rows$v[i], grp, fmt(rows$est[i]), fmt(rows$se[i]),
                              fmt(rows$est[i] - q * rows$se[i]),
                              fmt(rows$est[i] + q * rows$se[i]), rows$n[i]),
                            collapse = ","))
  }
  lines
}

for (i in seq_len(nrow(cases))) {
  cs <- cases[i, ]
  out <- file.path(here, "ref", paste0(cs$id, ".csv"))
  errf <- file.path(here, "ref", paste0(cs$id, ".err"))
  unlink(c(out, errf))
  res <- tryCatch(suppressWarnings(run_case(cs)), error = function(e) e)
  if (inherits(res, "error")) {
    writeLines(conditionMessage(res), errf)
    cat(cs$id, ": R error:", conditionMessage(res), "\n")
  } else {
    writeLines(res, out)
    cat(cs$id, ":", length(res) - 1, "rows\n")
  }
}
