#!/usr/bin/env python3
"""Generate the synthetic survey files of the oracle suite (deterministic).

Each file is a stratified cluster sample with unequal cluster sizes, many
strata, missing values, tiny domains, zero weights and, in some files,
strata with a single PSU. Run from anywhere; writes tests/survey/data/.
"""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def fmt(v):
    return "" if v is None else repr(v) if isinstance(v, float) else str(v)


def make(name, seed, strata, psu_range, rows_range, lonely=0, zero_w=0.02,
         miss=0.05, reuse_psu_ids=True):
    rnd = random.Random(seed)
    regions = ["North", "South", "East", "West", "Centre, old town"]
    rows = []
    psu_counter = 0
    for h in range(strata):
        npsu = 1 if h < lonely else rnd.randint(*psu_range)
        base_w = rnd.uniform(50, 400)
        for p in range(npsu):
            psu_counter += 1
            pid = p + 1 if reuse_psu_ids else psu_counter
            size = rnd.randint(*rows_range)
            cluster_eff = rnd.gauss(0, 0.6)
            urban = 1 if rnd.random() < 0.55 else 2
            for _ in range(size):
                w = 0.0 if rnd.random() < zero_w else round(
                    base_w * rnd.uniform(0.5, 1.8), 4)
                age = rnd.randint(5, 90)
                sex = rnd.choice([1, 2])
                p_int = 1 / (1 + math.exp(-(0.8 + cluster_eff
                                            - 0.03 * (age - 30)
                                            + (0.4 if urban == 1 else -0.3))))
                internet = 1 if rnd.random() < p_int else 0
                mobile = 1 if rnd.random() < min(0.97, p_int + 0.2) else 0
                skill = 1 if rnd.random() < p_int * 0.5 else 0
                income = round(math.exp(rnd.gauss(7 + cluster_eff * 0.3, 0.8)),
                               2)
                hhsize = rnd.randint(1, 9)
                educ = rnd.choice([0, 1, 2, 3])
                region = rnd.choice(regions)
                # a tiny domain: about 1 row in 400
                rare = 1 if rnd.random() < 0.0025 else 0
                rec = {
                    "stratum": "S%03d" % h, "sn": h, "psu": pid, "w": w, "age": age,
                    "sex": sex, "urban": urban, "internet": internet,
                    "mobile": mobile, "skill": skill, "income": income,
                    "hhsize": hhsize, "educ": educ, "region": region,
                    "rare": rare,
                }
                for col in ("internet", "mobile", "income", "skill", "age"):
                    if rnd.random() < miss:
                        rec[col] = None
                if rnd.random() < miss / 2:
                    rec["sex"] = None
                if rnd.random() < miss / 2:
                    rec["region"] = None
                rows.append(rec)
    cols = list(rows[0].keys())
    with open(os.path.join(HERE, "data", name + ".csv"), "w") as f:
        f.write(",".join(cols) + "\n")
        for r in rows:
            out = []
            for c in cols:
                s = fmt(r[c])
                if "," in s:
                    s = '"' + s + '"'
                out.append(s)
            f.write(",".join(out) + "\n")


def make_households(name, seed, strata=12):
    """Individuals in households: household id, household items repeated
    on every member row, text codes for sex and area (as in real files)."""
    rnd = random.Random(seed)
    cols = ["region", "ea", "hhid", "pweight", "hweight", "B4_sex", "B5_age",
            "area", "educ_level", "I01_internet", "M02_own_mobile",
            "S01_copy_file", "S02_formula", "H05_internet", "H03_computer"]
    out = [",".join(cols)]
    hh = 0
    for h in range(strata):
        for p in range(rnd.randint(2, 5)):
            area = rnd.choice(["U", "R"])
            eff = rnd.gauss(0, 0.5)
            for _ in range(rnd.randint(3, 8)):
                hh += 1
                hw = round(rnd.uniform(80, 300), 3)
                h_int = 1 if rnd.random() < (0.7 if area == "U" else 0.35) + eff / 5 else 2
                h_comp = 1 if rnd.random() < 0.4 + eff / 5 else 2
                for _ in range(rnd.randint(1, 6)):
                    age = rnd.randint(0, 95)
                    use = 1 if rnd.random() < (0.8 if age < 40 else 0.4) * (1.1 if h_int == 1 else 0.6) else 2
                    row = ["R%02d" % h, str(p + 1), "H%05d" % hh,
                           repr(round(hw * rnd.uniform(0.8, 1.3), 3)), repr(hw),
                           rnd.choice(["M", "F"]), str(age), area,
                           rnd.choice(["none", "primary", "secondary", "tertiary", ""]),
                           str(use) if rnd.random() > 0.03 else "",
                           str(1 if rnd.random() < 0.8 else 2),
                           str(1 if rnd.random() < 0.3 else 2),
                           str(1 if rnd.random() < 0.15 else 2),
                           str(h_int), str(h_comp)]
                    out.append(",".join(row))
    with open(os.path.join(HERE, "..", "data", name + ".csv"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    os.makedirs(os.path.join(HERE, "data"), exist_ok=True)
    make("basic", 11, strata=25, psu_range=(2, 7), rows_range=(3, 30))
    make("lonely", 12, strata=18, psu_range=(2, 5), rows_range=(2, 25),
         lonely=3, reuse_psu_ids=False)
    make("small", 13, strata=6, psu_range=(2, 3), rows_range=(1, 6),
         zero_w=0.1, miss=0.15)
    make("tiny", 15, strata=10, psu_range=(1, 2), rows_range=(1, 2),
         lonely=3, zero_w=0.05, miss=0.1)
    make_households("survey-households", 14)
