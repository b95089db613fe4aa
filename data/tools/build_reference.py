#!/usr/bin/env python3
"""Build the bundled reference data of ictdev (data/*.csv) from ../shared.

Run from anywhere:  python3 data/tools/build_reference.py
Reads  <repo>/../shared/data/** and <repo>/../shared/spec/**  (read-only).
Writes <repo>/data/{economies,groups,memberships,code_map,catalogue,dimensions}.csv
and copies the observation / geo / idi / classification files unchanged.
Ends with consistency assertions and a printed summary.
"""
import csv
import json
import os
import re
import shutil
import sys
from collections import Counter, OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)                       # <repo>/data
REPO = os.path.dirname(DATA)                       # <repo>
SHARED = os.path.normpath(os.path.join(REPO, "..", "shared"))
SD = os.path.join(SHARED, "data")
SPEC = os.path.join(SHARED, "spec")


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(name, header, rows):
    path = os.path.join(DATA, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(header)
        for r in rows:
            assert len(r) == len(header), (name, r)
            w.writerow(["" if v is None else str(v) for v in r])
    return len(rows)


def m3(code):
    """M49 code as 3 digits, or '' when empty."""
    return "%03d" % int(code) if code.strip() else ""


# ---------------------------------------------------------------- inputs
CC = read_csv(os.path.join(SD, "classification", "country_codes.csv"))
WB = read_csv(os.path.join(SD, "classification", "wb_country_metadata.csv"))
ITU_REG = json.load(open(os.path.join(SPEC, "action-plan", "itu_regions.json"), encoding="utf-8"))
UNGRP = json.load(open(os.path.join(SPEC, "action-plan", "un_country_groups.json"), encoding="utf-8"))
SPEC_CAT = read_csv(os.path.join(SPEC, "indicators", "catalogue.csv"))

CC_SRC = "UNSD M49 via datasets/country-codes@caa72d1 (classification/country_codes.csv)"
WB_SRC = "World Bank country metadata, Nov 2024 download = FY2025 (classification/wb_country_metadata.csv)"

WB_REGION_CODE = {
    "East Asia & Pacific": "EAS",
    "Europe & Central Asia": "ECS",
    "Latin America & Caribbean": "LCN",
    "Middle East & North Africa": "MEA",
    "North America": "NAC",
    "South Asia": "SAS",
    "Sub-Saharan Africa": "SSF",
}
WB_INCOME_CODE = {
    "High income": ("HIC", "High income"),
    "Upper middle income": ("UMC", "Upper middle income"),
    "Lower middle income": ("LMC", "Lower middle income"),
    "Low income": ("LIC", "Low income"),
}
wb_by = {r["iso3"]: r for r in WB}
WB_AGG = sorted(r["iso3"] for r in WB if r["is_aggregate"] == "yes")

# ---------------------------------------------------------------- economies
NAME_OVERRIDE = {
    # UNTERM short name empty in the source and official_name_en not the usual English form
    "CIV": "Côte d'Ivoire",
    "HKG": "Hong Kong, China",
    "MAC": "Macao, China",
}
# Territories with no permanent population: no ITU region.
UNINHABITED = {"ATA", "BVT", "HMD", "ATF", "SGS", "UMI", "IOT"}


def clean_unterm(s):
    s = s.strip()
    s = re.sub(r"\s*\*+$", "", s)          # UNTERM footnote markers
    s = re.sub(r"\s*\(the\)$", "", s)      # "Bahamas (the)" -> "Bahamas"
    return s.strip()


ARB = [m["iso3"] for m in ITU_REG["arab_states"]["members"]]
CIS_CORE = [m["iso3"] for m in ITU_REG["cis"]["core_members"]]
CIS_UNCERTAIN = [m["iso3"] for m in ITU_REG["cis"]["uncertain"]]
# Decision: ITU's historical CIS region (12 = core 9 + GEO, MDA, UKR); all unverified.
CIS = CIS_CORE + CIS_UNCERTAIN
TO_EUR = ["CYP", "ISR", "TUR"]

economies = OrderedDict()   # iso3 -> dict
for r in CC:
    iso3 = r["iso3"]
    name = NAME_OVERRIDE.get(iso3) or clean_unterm(r["unterm_en_short"]) or r["official_name_en"].strip() or r["name"]
    indep = r["is_independent"].strip()
    note = []
    if indep != "Yes":
        note.append("status: " + indep)
    economies[iso3] = dict(
        iso3=iso3, name=name, iso2=r["iso2"], m49=m3(r["m49"]),
        un_region=("UN" + m3(r["region_code"])) if r["region_code"].strip() else "",
        un_subregion=("UN" + m3(r["subregion_code"])) if r["subregion_code"].strip() else "",
        un_intermediate=("UN" + m3(r["intermediate_region_code"])) if r["intermediate_region_code"].strip() else "",
        is_independent="1" if indep == "Yes" else "0",
        note=note, m49_src=CC_SRC, m49_verified="1", historical_to="",
    )

EXTRA = [
    dict(iso3="XKX", name="Kosovo", iso2="XK", m49="", un_region="UN150", un_subregion="UN039", un_intermediate="",
         is_independent="0",
         note=["not in ISO 3166-1 or M49; XKX/XK are user-assigned codes (World Bank, EU); ITU uses KSO, Gapminder KOS",
               "status disputed (declared independence 2008)", "UN region by geography (Southern Europe), unverified"],
         m49_src="by geography (Kosovo is not listed in M49)", m49_verified="0", historical_to=""),
    dict(iso3="ANT", name="Netherlands Antilles", iso2="AN", m49="530", un_region="UN019", un_subregion="UN419",
         un_intermediate="UN029", is_independent="0",
         note=["historical: dissolved 10 Oct 2010 into CUW, SXM and BES; ISO code withdrawn; used by ITU for old data"],
         m49_src="former M49 530 (Caribbean), general knowledge", m49_verified="0", historical_to="2010"),
    dict(iso3="CHI", name="Channel Islands", iso2="", m49="830", un_region="UN150", un_subregion="UN154",
         un_intermediate="", is_independent="0",
         note=["World Bank combination of GGY (Guernsey) + JEY (Jersey); do not add CHI to GGY/JEY values of the same series",
               "status: Crown dependencies of GB"],
         m49_src="M49 830 Channel Islands (Northern Europe), general knowledge", m49_verified="0", historical_to=""),
    dict(iso3="ASC", name="Ascension", iso2="AC", m49="", un_region="UN002", un_subregion="UN202",
         un_intermediate="UN011", is_independent="0",
         note=["ITU economy code; part of SHN (Saint Helena, Ascension and Tristan da Cunha) in ISO/M49; AC is an ISO exceptionally reserved alpha-2",
               "status: Territory of GB"],
         m49_src="by geography (part of SHN, Western Africa)", m49_verified="0", historical_to=""),
]
for e in EXTRA:
    economies[e["iso3"]] = e


def itu_region(e):
    iso3 = e["iso3"]
    if iso3 in UNINHABITED or not e["un_region"]:
        return ""
    if iso3 in ARB:
        return "ARB"
    if iso3 in CIS:
        return "CIS"
    if iso3 in TO_EUR:
        return "EUR"
    return {"UN002": "AFR", "UN019": "AMS", "UN150": "EUR", "UN142": "ASP", "UN009": "ASP"}[e["un_region"]]


for e in economies.values():
    e["itu_region"] = itu_region(e)
    w = wb_by.get(e["iso3"])
    e["wb_region"] = WB_REGION_CODE[w["wb_region"]] if w and w["wb_region"] else ""
    if e["iso3"] in CIS_UNCERTAIN:
        e["note"].append("ITU region CIS per ITU's historical list; current CIS vs EUR assignment unverified")
    if e["iso3"] in TO_EUR:
        e["note"].append("UN Asia but counted in ITU Europe")
    if e["iso3"] == "TWN":
        e["note"].append("not an ITU Member State; ITU region given by geography only")
    if e["iso3"] == "PSE":
        e["note"].append("ITU observer; counted in ITU Arab States")
    if e["iso3"] in UNINHABITED:
        e["note"].append("no permanent population: no ITU region")

ECON_HDR = ["iso3", "name", "iso2", "m49", "un_region", "un_subregion", "un_intermediate", "itu_region",
            "itu_region_verified", "wb_region", "is_independent", "note"]
econ_rows = [[e["iso3"], e["name"], e["iso2"], e["m49"], e["un_region"], e["un_subregion"], e["un_intermediate"],
              e["itu_region"], "0", e["wb_region"], e["is_independent"], "; ".join(e["note"])]
             for e in economies.values()]

# ---------------------------------------------------------------- groups
groups = []   # code,name,kind,source,verified,note
groups.append(["WLD", "World", "world", "ictdev", "1", "every economy in economies.csv that exists in the year (ANT to 2010)"])
ITU_NAMES = {i["code"]: i["name"] for i in ITU_REG["itu_d_regions"]["items"]}
for code in ["AFR", "AMS", "ARB", "ASP", "CIS", "EUR"]:
    groups.append([code, ITU_NAMES[code], "itu_region",
                   "ITU-D region names: spec/action-plan/itu_regions.json (WTDC-22 Final Report headings)", "1",
                   "region code and name verified; membership lists derived and unverified (memberships.verified=0)"])
UN_REG_NAMES = {}
UN_SUB_NAMES = {}
UN_INT = {}
for r in CC:
    if r["region_code"].strip():
        UN_REG_NAMES["UN" + m3(r["region_code"])] = r["region_name"]
    if r["subregion_code"].strip():
        UN_SUB_NAMES["UN" + m3(r["subregion_code"])] = (r["subregion_name"], "UN" + m3(r["region_code"]))
    if r["intermediate_region_code"].strip():
        UN_INT["UN" + m3(r["intermediate_region_code"])] = (r["intermediate_region_name"], "UN" + m3(r["subregion_code"]))
for code in sorted(UN_REG_NAMES):
    groups.append([code, UN_REG_NAMES[code], "un_region", CC_SRC, "1", "M49 region " + code[2:]])
for code in sorted(UN_SUB_NAMES):
    nm, parent = UN_SUB_NAMES[code]
    groups.append([code, nm, "un_subregion", CC_SRC, "1", "M49 sub-region %s, within %s" % (code[2:], parent)])
for code in sorted(UN_INT):
    nm, parent = UN_INT[code]
    groups.append([code, nm, "un_subregion", CC_SRC, "1",
                   "M49 intermediate region %s, within %s (stored with kind un_subregion)" % (code[2:], parent)])
groups.append(["LDC", "Least Developed Countries", "ldc", "UN (M49 flags + un_country_groups.json)", "1",
               "not the World Bank aggregate LDC; graduations recorded with to_year"])
groups.append(["LLDC", "Landlocked Developing Countries", "lldc", CC_SRC, "1", ""])
groups.append(["SIDS", "Small Island Developing States", "sids", CC_SRC, "1",
               "M49 statistical list (includes non-UN-member territories)"])
for lab, (code, nm) in WB_INCOME_CODE.items():
    groups.append([code, nm, "income", WB_SRC, "1", "FY2025 vintage only (earlier vintages not bundled)"])
for nm, code in sorted(WB_REGION_CODE.items(), key=lambda kv: kv[1]):
    groups.append([code, nm, "wb_region", WB_SRC, "1", ""])
GROUP_CODES = {g[0] for g in groups}
assert len(GROUP_CODES) == len(groups), "duplicate group code"

# ---------------------------------------------------------------- memberships
mem = []   # group,economy,from_year,to_year,source,verified
for e in economies.values():
    iso3, to = e["iso3"], e["historical_to"]
    mem.append(["WLD", iso3, "", to, "ictdev: all economies" + (" (dissolved 2010)" if to else ""), "1"])
    if e["itu_region"]:
        mem.append([e["itu_region"], iso3, "", to,
                    "derived: ITU rule (ARB/CIS lists in itu_regions.json; UN regions otherwise)", "0"])
    for col in ("un_region", "un_subregion", "un_intermediate"):
        if e[col]:
            mem.append([e[col], iso3, "", to, e["m49_src"], e["m49_verified"]])

# LDC
ldc_current = list(UNGRP["ldc"]["iso3"])
ldc_m49 = set(UNGRP["ldc_m49_raw"]["iso3"])
cc_ldc = {r["iso3"] for r in CC if r["ldc"] == "1"}
assert cc_ldc == ldc_m49, "country_codes.csv LDC flags differ from ldc_m49_raw"
for iso3 in ldc_current:
    assert iso3 in ldc_m49
    mem.append(["LDC", iso3, "", "",
                "UNSD M49 LDC flag (country_codes.csv) = un_country_groups.json current list (44)", "1"])
GRADUATED = [  # iso3, graduation date (general knowledge, unverified), last year as LDC
    ("BWA", "1994-12-16", 1993), ("CPV", "2007-12-20", 2006), ("MDV", "2011-01-01", 2010),
    ("WSM", "2014-01-01", 2013), ("GNQ", "2017-06-04", 2016), ("VUT", "2020-12-04", 2019),
    ("BTN", "2023-12-13", 2022), ("STP", "2024-12-13", 2023),
]
for iso3, date, last in GRADUATED:
    extra = ""
    if iso3 == "STP":
        extra = "; M49 snapshot still flags STP, removed as in un_country_groups.json"
    if iso3 == "BTN":
        extra = "; already absent from the M49 snapshot"
    mem.append(["LDC", iso3, "", str(last),
                "graduated %s (general knowledge); to_year = graduation year - 1%s" % (date, extra), "0"])
for r in CC:
    if r["lldc"] == "1":
        mem.append(["LLDC", r["iso3"], "", "", "UNSD M49 LLDC flag (country_codes.csv)", "1"])
    if r["sids"] == "1":
        mem.append(["SIDS", r["iso3"], "", "", "UNSD M49 SIDS flag (country_codes.csv)", "1"])
for r in WB:
    if r["is_aggregate"] == "yes":
        continue
    assert r["iso3"] in economies, r["iso3"]
    if r["wb_income_group"]:
        mem.append([WB_INCOME_CODE[r["wb_income_group"]][0], r["iso3"], "2024", "",
                    "World Bank FY2025 classification (Nov 2024 download); earlier vintages not bundled", "1"])
    if r["wb_region"]:
        mem.append([WB_REGION_CODE[r["wb_region"]], r["iso3"], "2024", "",
                    "World Bank region, Nov 2024 download; earlier vintages not bundled", "1"])

# ---------------------------------------------------------------- dimensions
DIMS = [
    ("sex", "F", "Female"), ("sex", "M", "Male"),
    ("age", "0-14", "Aged 14 and younger"), ("age", "15-24", "Aged 15 to 24"), ("age", "25-74", "Aged 25 to 74"),
    ("age", "75+", "Aged 75 and older"), ("age", "15-74", "Aged 15 to 74 (comparison band)"),
    ("area", "U", "Urban"), ("area", "R", "Rural"),
    ("tech", "2G", "At least 2G"), ("tech", "3G", "At least 3G"), ("tech", "4G", "At least 4G/LTE (or WiMAX)"),
    ("tech", "5G", "At least 5G"),
    ("speed", "256k-2M", "256 kbit/s to under 2 Mbit/s"), ("speed", "2M-10M", "2 to under 10 Mbit/s"),
    ("speed", "10M+", "10 Mbit/s or more (= 10M-100M + 100M-1G + 1G+)"),
    ("speed", "10M-100M", "10 to under 100 Mbit/s"), ("speed", "100M-1G", "100 Mbit/s to under 1 Gbit/s"),
    ("speed", "1G+", "1 Gbit/s or more"),
    ("education", "ISCED0-1", "Primary education or less (ISCED 0-1)"),
    ("education", "ISCED2", "Lower secondary (ISCED 2)"),
    ("education", "ISCED3-4", "Upper secondary or post-secondary non-tertiary (ISCED 3-4)"),
    ("education", "ISCED5-8", "Tertiary (ISCED 5-8)"),
    ("skill", "INF", "Information and data literacy"), ("skill", "COM", "Communication and collaboration"),
    ("skill", "CRE", "Digital content creation"), ("skill", "SAF", "Safety"), ("skill", "PRB", "Problem solving"),
    ("skill_level", "basic", "Basic skills"), ("skill_level", "standard", "Standard skills"),
    ("skill_level", "advanced", "Advanced skills"),
    ("payment", "postpaid", "Postpaid"), ("payment", "prepaid", "Prepaid"),
    ("labour", "EMP", "Employed"), ("labour", "UNE", "Unemployed"), ("labour", "OLF", "Outside the labour force"),
    ("occupation", "ISCO1", "Managers"), ("occupation", "ISCO2", "Professionals"),
    ("occupation", "ISCO3", "Technicians and associate professionals"),
    ("occupation", "ISCO4", "Clerical support workers"), ("occupation", "ISCO5", "Service and sales workers"),
    ("occupation", "ISCO6", "Skilled agricultural, forestry and fishery workers"),
    ("occupation", "ISCO7", "Craft and related trades workers"),
    ("occupation", "ISCO8", "Plant and machine operators and assemblers"),
    ("occupation", "ISCO9", "Elementary occupations"), ("occupation", "ISCO0", "Armed forces occupations"),
    ("hh_comp", "with_child", "Households with children (under 15)"),
    ("hh_comp", "no_child", "Households without children (under 15)"),
    ("hh_size", "1", "1 person"), ("hh_size", "2", "2 persons"), ("hh_size", "3-4", "3 to 4 persons"),
    ("hh_size", "5+", "5 or more persons"),
    ("customer", "RES", "Residential"), ("customer", "BUS", "Business, government and other non-residential"),
    ("fixed_tech", "DSL", "DSL"), ("fixed_tech", "CABLE", "Cable modem"), ("fixed_tech", "FTTHB", "Fibre to the home/building"),
    ("fixed_tech", "SAT", "Satellite"), ("fixed_tech", "FWA", "Terrestrial fixed wireless"),
    ("fixed_tech", "OTHER", "Other wired technologies"),
    ("mbb_type", "handset", "Standard (handset-based) mobile broadband"),
    ("mbb_type", "dedicated", "Dedicated data (computer-based, USB/dongle)"),
    ("isdn", "BRA", "Basic rate"), ("isdn", "PRA", "Primary rate"),
    ("bandwidth", "used", "Used international bandwidth"), ("bandwidth", "lit", "Lit/equipped capacity"),
    ("traffic_dest", "on_net", "On-net"), ("traffic_dest", "off_net", "Off-net (to other mobile networks)"),
    ("traffic_dest", "to_fixed", "To fixed networks"),
    ("tv_type", "cable", "Cable TV"), ("tv_type", "satellite", "Satellite TV"), ("tv_type", "iptv", "IPTV"),
    ("tv_type", "dtt", "Digital terrestrial TV"),
]
DIM_VALUES = {}
for d, v, _ in DIMS:
    DIM_VALUES.setdefault(d, set()).add(v)

MOBILE_TECH_CODES = {"i271", "SDG-9.c.1"}
FIXED_TECH_CODES = {"i4213cv", "i4213tfbb", "x-fbb-tech"}


def map_dims(code, spec):
    out = []
    for tok in [t.strip() for t in re.split(r";(?![^()]*\))", spec) if t.strip()]:
        base = re.sub(r"\(.*\)$", "", tok).strip()
        m = {
            "sex": ["sex"], "age": ["age"], "urban-rural": ["area"], "education": ["education"],
            "labour-force-status": ["labour"], "occupation": ["occupation"],
            "household composition": ["hh_comp"], "household size": ["hh_size"],
            "speed": ["speed"], "speed tier": ["speed"], "payment": ["payment"], "skill type": ["skill"],
            "residential/business": ["customer"], "basic-rate": ["isdn"], "primary-rate": ["isdn"],
            "handset-based": ["mbb_type"], "dedicated-data": ["mbb_type"], "usage": ["bandwidth"],
            "lit-capacity": ["bandwidth"], "on-net": ["traffic_dest"], "off-net": ["traffic_dest"],
            "to-fixed": ["traffic_dest"], "type": ["tv_type"],
        }.get(base)
        if base == "technology":
            m = ["tech"] if code in MOBILE_TECH_CODES else ["fixed_tech"]
        assert m is not None, (code, tok)
        for x in m:
            if x not in out:
                out.append(x)
    if code == "HH15.LVL":
        out.append("skill_level")
    if code == "HH15":
        out.insert(0, "skill")
    return ";".join(out)


# ---------------------------------------------------------------- catalogue
# Definitions in our own words (short, exact, plain English).
DEF = {
    "i117": "Largest number of fixed lines that the local public switching exchanges can actually serve: lines in use plus spare and test capacity.",
    "i4213cv": "Households passed by a fixed wired network, i.e. able to order a service, counted for each access technology.",
    "i112": "Active fixed voice lines: analogue lines, VoIP, fixed wireless local loop, ISDN voice-channel equivalents and public payphones.",
    "i112a": "Active analogue lines linking customer equipment to the public switched telephone network.",
    "i112IP": "Active fixed subscriptions that give voice calls over Internet Protocol at a fixed location.",
    "i112w": "Active fixed voice subscriptions served over a wireless local loop to a fixed point.",
    "i28": "Active ISDN subscriptions, basic rate and primary rate.",
    "i28c": "ISDN subscriptions counted as the number of simultaneous voice channels they carry.",
    "i1112": "Public telephones of any kind open to the general public.",
    "i116": "Residential fixed-telephone subscriptions as a share of all fixed-telephone subscriptions.",
    "i1162": "Fixed-telephone subscriptions in urban areas (national definition) as a share of all fixed-telephone subscriptions.",
    "i112pt": "Fixed telephone numbers moved to another operator under number portability during the year.",
    "i271": "Postpaid subscriptions plus prepaid accounts used in the last three months for public mobile voice service; data-only SIMs, M2M, paging and trunked radio are excluded.",
    "i271mw": "Handset-based plus dedicated-data mobile subscriptions that can reach the Internet at 256 kbit/s or more and were used or paid for in the last three months.",
    "i271mwa": "Active mobile-broadband subscriptions on LTE, mobile WiMAX or a later technology.",
    "i271Land": "Share of the country's land area within range of a mobile-cellular signal.",
    "i271pop": "Share of inhabitants living within range of at least a 2G mobile signal, subscribers or not.",
    "i271G": "Share of inhabitants living within range of at least a 3G mobile signal, subscribers or not.",
    "i271GA": "Share of inhabitants living within range of at least a 4G/LTE (or WiMAX) mobile signal, subscribers or not.",
    "i271pt": "Mobile numbers moved to another operator under number portability during the year.",
    "i271G5_pop": "Share of inhabitants living within range of at least a 5G mobile signal, subscribers or not.",
    "i4213tfbb": "Fixed subscriptions to the public Internet at 256 kbit/s or more downstream, over wired, satellite or terrestrial fixed wireless links; access over mobile-cellular networks is excluded.",
    "i4214": "International Internet bandwidth in Mbit/s: used bandwidth (yearly average of the larger of incoming and outgoing traffic, summed over links), as distinct from lit capacity.",
    "i136mwi_subs": "Mobile-broadband Internet traffic in the year divided by active mobile-broadband subscriptions.",
    "i135tfb_subs": "Fixed-broadband Internet traffic in the year divided by fixed-broadband subscriptions.",
    "i91": "Fixed-telephone subscriptions for every 100 inhabitants.",
    "i911": "Mobile-cellular telephone subscriptions for every 100 inhabitants.",
    "i911mw": "Active mobile-broadband subscriptions for every 100 inhabitants.",
    "i992b": "Fixed-broadband subscriptions for every 100 inhabitants, in total or by advertised speed tier (SDG 17.6.1).",
    "i994": "International Internet bandwidth in bit/s divided by the number of Internet users (i99H percent of population).",
    "i271mb_high_ts_GNI": "Monthly price of the cheapest plan meeting the high-consumption mobile data-and-voice basket, as a percentage of monthly GNI per capita (IDI input).",
    "i154_FBB_ts_GNI": "Monthly price of the cheapest entry-level fixed-broadband plan, as a percentage of monthly GNI per capita (IDI input).",
    "i271mb_5GB_GNI": "Monthly price of the cheapest data-only mobile-broadband plan with at least 5 GB, as a percentage of monthly GNI per capita.",
    "i271mb_low_1GB": "Low-consumption mobile data-and-voice basket with a 1 GB allowance; code seen in only one third-party script.",
    "i271mb_high_5GB": "High-consumption mobile data-and-voice basket with a 5 GB allowance; code seen in only one third-party script.",
    "i154_FBB5": "Entry-level fixed-broadband basket with at least 5 GB a month (code stem; published series are i154_FBB5_USD, i154_FBB5_GNI, i154_FBB5_PPP).",
    "x-ipb-mcl": "Cheapest non-promotional domestic mobile plan with at least 70 voice minutes and 20 SMS a month; last collected globally for 2024.",
    "x-ipb-dom-2gb": "Cheapest data-only mobile-broadband plan with at least 2 GB a month.",
    "i99H": "Share of individuals who used the Internet in the last three months, from any place, on any device and network (same as HH7).",
    "HHU4212_HHCRuralUsers": "i99H for the rural population only.",
    "HHU4212_HHCUrbanUsers": "i99H for the urban population only.",
    "HHU4212_HHCLess15": "i99H for people aged 14 and younger.",
    "HHU4212_HHC15to24": "i99H for people aged 15 to 24.",
    "HHU4212_HHC25to74": "i99H for people aged 25 to 74.",
    "HHU4212_HHCMore74": "i99H for people aged 75 and older.",
    "HHU4212_HHCMale": "i99H for males only.",
    "HHU4212_HHCFemale": "i99H for females only.",
    "HH1": "Share of households that have a working radio.",
    "HH2": "Share of households that have a working television set.",
    "HH3": "Share of households with a telephone (fixed, mobile, or both, reported separately).",
    "HH4": "Share of households with a desktop, laptop or tablet computer; smartphones do not count.",
    "HH5": "Share of individuals who used a computer anywhere in the last three months.",
    "HH6": "Share of households where every member can use the Internet at home at any time, over a fixed or mobile network.",
    "HH7": "Share of individuals who used the Internet from any place in the last three months (published as i99H).",
    "HH8": "Internet users by the places where they used the Internet.",
    "HH9": "Internet users by the online activities they carried out in the last three months.",
    "HH10": "Share of individuals who used a mobile phone, their own or someone else's, in the last three months.",
    "HH11": "Households with Internet by type of access service (fixed narrowband, fixed broadband by technology, mobile broadband).",
    "HH12": "Internet users by how often they use it (at least daily, at least weekly, less often).",
    "HH13": "Share of households with multichannel television, by type (cable, satellite, IPTV, terrestrial).",
    "HH14": "Households without Internet at home, by the reason given.",
    "HH15": "Share of individuals who carried out given ICT-related activities in the last three months, by activity or skill area (a proxy for skills).",
    "HH16": "Household spending on ICT goods and services, as an amount or as a share of total household spending.",
    "HH17": "Internet users by the device and network they used to go online.",
    "HH18": "Share of individuals who have a mobile phone with at least one SIM card active in the last three months for personal use.",
    "HH19": "Individuals who did not use the Internet, by the reason given.",
    "HH15.INF": "HH15 for the skill area information and data literacy.",
    "HH15.COM": "HH15 for the skill area communication and collaboration.",
    "HH15.CRE": "HH15 for the skill area digital content creation.",
    "HH15.SAF": "HH15 for the skill area safety.",
    "HH15.PRB": "HH15 for the skill area problem solving.",
    "HH15.LVL": "HH15 summarised by skill level (basic, standard, advanced).",
    "SDG-4.4.1": "Share of youth and adults who carried out each given ICT activity in the last three months; one value per skill type.",
    "SDG-5.b.1": "Share of individuals in scope who own a mobile phone, by sex.",
    "SDG-9.c.1": "Share of the population within range of a mobile network, by technology (2G, 3G, 4G, 5G).",
    "SDG-17.6.1": "Fixed-broadband subscriptions per 100 inhabitants, by advertised download speed.",
    "SDG-17.8.1": "Share of individuals who used the Internet in the last three months.",
    "IDI": "ICT Development Index (2023 methodology): mean of the Universal and Meaningful connectivity pillars, 0 to 100.",
    "U": "IDI pillar score from Internet use, households with Internet and active mobile-broadband subscriptions per 100, 0 to 100.",
    "M": "IDI pillar score from coverage, traffic per subscription, affordability and mobile phone ownership, 0 to 100.",
    "Coverage": "IDI component combining 3G (i271G) and 4G/LTE (i271GA) population coverage, 0 to 100.",
    "x-fbb-speed": "Fixed-broadband subscriptions by advertised download speed tier.",
    "x-fbb-tech": "Fixed-broadband subscriptions by access technology.",
    "x-m2m": "Mobile-network SIMs used for machine-to-machine communication; not counted in i271.",
    "x-mbb-handset": "The part of i271mw that is voice plans also used for mobile broadband in the last three months.",
    "x-mbb-dedicated": "The part of i271mw that is data-only plans bought separately (dongles, modems, data SIMs).",
    "i135tfb": "Total fixed-broadband Internet traffic in the year.",
    "i136mwi": "Total mobile-broadband Internet traffic by domestic subscribers inside the country in the year.",
    "x-mbb-traffic-abroad": "Mobile-broadband traffic by domestic subscribers while roaming abroad.",
    "x-intl-bw-capacity": "Total lit capacity of international links (fibre, radio, satellite) in Mbit/s.",
    "x-dom-f2f": "Minutes of completed domestic fixed-to-fixed voice calls in the year, excluding dial-up Internet.",
    "x-f2m": "Minutes of calls from fixed networks to domestic mobile networks.",
    "x-intl-fixed-out": "Minutes of international calls made from fixed networks.",
    "x-intl-in": "Minutes of international calls ending in the country, fixed and mobile.",
    "x-dom-mob": "Minutes of calls made on mobile networks to domestic destinations.",
    "x-intl-mob-out": "Minutes of international calls made from mobile networks.",
    "x-roam-out": "Voice minutes used abroad by domestic mobile subscribers.",
    "x-roam-in": "Voice minutes used in the country by foreign mobile subscribers.",
    "x-sms": "SMS sent by mobile subscribers, domestic and international.",
    "x-fixed-int-subs": "Fixed subscriptions to the public Internet at any speed, narrowband included.",
    "x-mctv": "Multichannel (pay) TV subscriptions by type.",
    "i75": "Revenue earned by operators from telecommunication services in the year (retail and wholesale).",
    "x-rev-fixed-tel": "Revenue from fixed voice services.",
    "x-rev-mobile": "Revenue from mobile voice, SMS and data services.",
    "x-rev-fbb": "Revenue from fixed-broadband Internet services.",
    "i81": "Capital expenditure by telecommunication operators on fixed assets in the year.",
    "x-inv-mobile": "Capital expenditure on mobile networks.",
    "x-inv-fbb": "Capital expenditure on fixed-broadband networks.",
    "x-inv-foreign": "Foreign direct investment received by the telecommunication sector.",
    "i51": "People employed full-time by telecommunication operators (full-time equivalents).",
    "x-qos-fbb-speed": "Fixed-broadband speed reported by the regulator as a quality-of-service measure.",
}

FORMULA = {
    "i91": "100 * i112 / pop",
    "i911": "100 * i271 / pop",
    "i911mw": "100 * i271mw / pop",
    "i992b": "100 * i4213tfbb / pop",
    "i994": "1000000 * i4214 / (i99H / 100 * pop)",
    "SDG-17.8.1": "i99H",
    "SDG-17.6.1": "i992b",
    "SDG-5.b.1": "HH18",
    "i271mb_5GB_GNI": "100 * 12 * i271mb_5GB_USD / gni_pc",
    "i154_FBB5_GNI": "100 * 12 * i154_FBB5_USD / gni_pc",
    "i99H_gps": "i99H[sex=F] / i99H[sex=M]",
}

COLLECTION = {
    "administrative": "ITU administrative questionnaire",
    "household": "ITU household survey questionnaire",
}


def collection_for(code, kind, src):
    if "Price Basket" in src or code.startswith("x-ipb"):
        return "ITU price collection"
    if "IDI" in src:
        return "ITU IDI computation"
    if kind == "sdg":
        return "household survey" if "HH" in src else "administrative questionnaire"
    if kind == "derived":
        return "ITU computation from administrative data"
    return COLLECTION.get(kind, "")


def agg_for(code, unit, kind):
    u = unit.lower()
    if code in ("IDI", "U", "M", "Coverage", "i99H_gps", "i994", "i271Land"):
        return "none", ""
    if code in ("i116", "i1162"):
        return "wmean", "i112"
    if code == "i136mwi_subs":
        return "wmean", "i271mw"
    if code == "i135tfb_subs":
        return "wmean", "i4213tfbb"
    if "gni p.c." in u or "usd per month" in u or "ppp$" in u or code.startswith(("i271mb", "i154_")):
        return "median", ""
    if code == "x-qos-fbb-speed":
        return "median", ""
    if u.startswith("%") or "per 100" in u or "usd;%" == u:
        return "wmean", "pop"
    if u in ("number", "mbit/s", "minutes", "exabytes/gb", "usd", "usd (local currency reported)", "persons"):
        return "sum", ""
    raise AssertionError((code, unit))


CAT_HDR = ["code", "name", "definition", "unit", "kind", "collection", "dimensions", "sdg", "source_instrument",
           "formula", "agg", "weight", "verified"]
cat = OrderedDict()
for r in SPEC_CAT:
    code = r["code"]
    assert code in DEF, "missing definition for " + code
    agg, weight = agg_for(code, r["unit"], r["kind"])
    cat[code] = [code, r["name"], DEF[code], r["unit"], r["kind"],
                 collection_for(code, r["kind"], r["source_instrument"]),
                 map_dims(code, r["disaggregations"]), r["sdg"], r["source_instrument"],
                 FORMULA.get(code, ""), agg, weight, "1" if r["verified"] == "true" else "0"]

DH = "ITU DataHub (WTI database)"
IPB = "ITU DataHub (WTI database); ICT Price Basket"
NEW = [
    # code, name, definition, unit, kind, collection, dims, sdg, instrument, verified
    ("i271mb_5GB_USD", "Data-only mobile-broadband basket (5 GB) price, USD",
     "Monthly price in US dollars of the cheapest data-only mobile-broadband plan with at least 5 GB (DataHub code i271mb_5GB$).",
     "USD per month", "derived", "ITU price collection", "", "", IPB, "1"),
    ("i271mb_5GB_PPP", "Data-only mobile-broadband basket (5 GB) price, PPP$",
     "The same monthly price converted with World Bank PPP factors.", "PPP$ per month", "derived",
     "ITU price collection", "", "", IPB, "1"),
    ("i154_FBB5_USD", "Fixed-broadband basket (5 GB) price, USD",
     "Monthly price in US dollars of the cheapest entry-level fixed-broadband plan with at least 5 GB (DataHub code i154_FBB5$).",
     "USD per month", "derived", "ITU price collection", "", "", IPB, "1"),
    ("i154_FBB5_GNI", "Fixed-broadband basket (5 GB) price (% of GNI p.c.)",
     "Monthly price of the cheapest entry-level fixed-broadband plan with at least 5 GB, as a percentage of monthly GNI per capita.",
     "% of monthly GNI p.c.", "derived", "ITU price collection", "", "", IPB, "1"),
    ("i154_FBB5_PPP", "Fixed-broadband basket (5 GB) price, PPP$",
     "The same monthly fixed-broadband price converted with World Bank PPP factors.", "PPP$ per month", "derived",
     "ITU price collection", "", "", IPB, "1"),
    ("HHU271sown", "Individuals who own a smartphone",
     "Share of individuals who have a smartphone with an active SIM for personal use (DataHub series HHU271sown_HHTotalIndividual, all individuals).",
     "% of individuals", "household", "ITU household survey questionnaire", "sex;age;area", "", DH, "1"),
    ("HHA699", "Household expenditure on ICTs (% of total)",
     "Share of total household spending that goes on ICT goods and services (DataHub series HHA699_HHTotalHousehold; the percentage form of HH16).",
     "% of total household expenditure", "household", "ITU household survey questionnaire", "area", "", DH, "1"),
    ("i99H_gps", "Gender parity score of Internet use",
     "Female Internet-use rate divided by the male rate; 1 means parity, below 1 means fewer women than men online.",
     "ratio", "derived", "ITU computation from household data", "", "17.8.1", DH, "0"),
    ("secure_servers_p1m", "Secure Internet servers per 1 million people",
     "Distinct publicly trusted TLS/SSL certificates found in Netcraft's web server survey, per million people (WDI IT.NET.SECR.P6; not an ITU series).",
     "per 1 million people", "reference", "World Bank WDI (Netcraft)", "", "", "World Bank WDI", "1"),
    ("pop", "Population",
     "Total mid-year population counting all residents whatever their legal status (WDI SP.POP.TOTL, based on UN WPP).",
     "persons", "reference", "World Bank WDI", "", "", "World Bank WDI", "1"),
    ("gni_pc", "GNI per capita, Atlas method (current US$)",
     "Gross national income converted to US dollars with the World Bank Atlas method, divided by mid-year population (WDI NY.GNP.PCAP.CD).",
     "current US$ per person per year", "reference", "World Bank WDI", "", "", "World Bank WDI", "1"),
]
for (code, name, d, unit, kind, coll, dims, sdg, instr, ver) in NEW:
    assert code not in cat, code
    if code == "secure_servers_p1m":
        agg, weight = "wmean", "pop"
    elif code == "gni_pc":
        agg, weight = "wmean", "pop"
    elif code == "pop":
        agg, weight = "sum", ""
    elif code == "HHA699":
        agg, weight = "wmean", "pop"
    else:
        agg, weight = agg_for(code, unit, kind)
    cat[code] = [code, name, d, unit, kind, coll, dims, sdg, instr, FORMULA.get(code, ""), agg, weight, ver]
for code in FORMULA:
    assert code in cat and cat[code][9] == FORMULA[code], code

# ---------------------------------------------------------------- code map
CM_HDR = ["source", "kind", "source_code", "target", "note"]
cm = []
cm += [
    ["itu", "economy", "KSO", "XKX", "ITU code for Kosovo"],
    ["itu", "economy", "AAA", "GGY", "ITU code for Guernsey"],
    ["itu", "economy", "GBJ", "JEY", "ITU code for Jersey"],
    ["gapminder", "economy", "KOS", "XKX", "Gapminder geo id for Kosovo"],
    ["gapminder", "economy", "NLD_CURACAO", "CUW", "Gapminder geo id for Curaçao"],
    ["wdi", "economy", "XKX", "XKX", "World Bank code for Kosovo (same as ictdev)"],
]
for a in WB_AGG:
    cm.append(["wdi", "skip_economy", a, "", "World Bank aggregate; ictdev computes its own"])

ITU_IND = [  # itu_code, short name, target
    ("i99H", "internet_users_pct", "i99H"),
    ("xHH6_IDI", "households_internet_pct", "HH6"),
    ("i4213tfbb", "fixed_broadband_subs", "i4213tfbb"),
    ("i992b", "fixed_broadband_per100", "i992b"),
    ("i271mw", "active_mobile_broadband_subs", "i271mw"),
    ("i911mw", "active_mobile_broadband_per100", "i911mw"),
    ("i271pop", "pop_coverage_2g_pct", "i271pop"),
    ("i271G", "pop_coverage_3g_pct", "i271G"),
    ("i271GA", "pop_coverage_4g_pct", "i271GA"),
    ("i271G5_pop", "pop_coverage_5g_pct", "i271G5_pop"),
    ("xHH18_IDI", "mobile_phone_ownership_pct", "HH18"),
    ("HHU271sown_HHTotalIndividual", "smartphone_ownership_pct", "HHU271sown"),
    ("HHA699_HHTotalHousehold", "household_ict_expenditure_pct", "HHA699"),
    ("i271mb_5GB$", "mobile_data_5gb_usd", "i271mb_5GB_USD"),
    ("i271mb_5GB_GNI", "mobile_data_5gb_gni_pct", "i271mb_5GB_GNI"),
    ("i271mb_5GB_PPP", "mobile_data_5gb_ppp", "i271mb_5GB_PPP"),
    ("i154_FBB5$", "fixed_bb_5gb_usd", "i154_FBB5_USD"),
    ("i154_FBB5_GNI", "fixed_bb_5gb_gni_pct", "i154_FBB5_GNI"),
    ("i154_FBB5_PPP", "fixed_bb_5gb_ppp", "i154_FBB5_PPP"),
]
for itu_code, short, target in ITU_IND:
    cm.append(["itu", "indicator", itu_code, target, "ITU DataHub series code (itu_code column)"])
for itu_code, short, target in ITU_IND:
    cm.append(["itu", "indicator", short, target, "short id in the indicator column of the bundled ITU files"])
WDI_IND = [
    ("IT.NET.USER.ZS", "i99H", "ITU data republished in WDI (% of population)"),
    ("IT.CEL.SETS.P2", "i911", "per 100 people"),
    ("IT.MLT.MAIN.P2", "i91", "per 100 people"),
    ("IT.NET.BBND.P2", "i992b", "per 100 people"),
    ("IT.NET.SECR.P6", "secure_servers_p1m", "Netcraft, per 1 million people; not an ITU series"),
    ("IT.CEL.SETS", "i271", "count"),
    ("IT.NET.BBND", "i4213tfbb", "count"),
    ("SP.POP.TOTL", "pop", "persons"),
    ("NY.GNP.PCAP.CD", "gni_pc", "Atlas method, current US$"),
]
for code, target, note in WDI_IND:
    cm.append(["wdi", "indicator", code, target, "WDI code; " + note])
for code in ("IT.CEL.SETS", "IT.NET.BBND"):
    target = dict((c, t) for c, t, _ in WDI_IND)[code]
    cm.append(["gapminder", "indicator", code, target, "WDI code as given in gapminder_ict_counts.csv indicator_code"])

# ---------------------------------------------------------------- copies
COPIES = [
    ("itu_datahub/itu_core_indicators.csv", "observations/itu_core_indicators.csv"),
    ("itu_datahub/itu_price_baskets.csv", "observations/itu_price_baskets.csv"),
    ("itu_datahub/PROVENANCE.md", "observations/PROVENANCE-itu_datahub.md"),
    ("wdi_ict/wdi_ict_per100.csv", "observations/wdi_ict_per100.csv"),
    ("wdi_ict/wdi_internet_users.csv", "observations/wdi_internet_users.csv"),
    ("wdi_ict/gapminder_ict_counts.csv", "observations/gapminder_ict_counts.csv"),
    ("wdi_ict/PROVENANCE.md", "observations/PROVENANCE-wdi_ict.md"),
    ("population_gni/wdi_population.csv", "observations/wdi_population.csv"),
    ("population_gni/wdi_gni_per_capita_atlas.csv", "observations/wdi_gni_per_capita_atlas.csv"),
    ("population_gni/PROVENANCE.md", "observations/PROVENANCE-population_gni.md"),
    ("geo/countries-110m.json", "geo/countries-110m.json"),
    ("geo/LICENSE.world-atlas", "geo/LICENSE.world-atlas"),
    ("geo/PROVENANCE.md", "geo/PROVENANCE.md"),
    ("idi/idi_2017_legacy.csv", "idi/idi_2017_legacy.csv"),
    ("idi/PROVENANCE.md", "idi/PROVENANCE.md"),
    ("classification/country_codes.csv", "classification/country_codes.csv"),
    ("classification/wb_country_metadata.csv", "classification/wb_country_metadata.csv"),
    ("classification/PROVENANCE.md", "classification/PROVENANCE.md"),
]


def main():
    counts = OrderedDict()
    counts["economies.csv"] = write_csv("economies.csv", ECON_HDR, econ_rows)
    counts["groups.csv"] = write_csv("groups.csv", ["code", "name", "kind", "source", "verified", "note"], groups)
    counts["memberships.csv"] = write_csv("memberships.csv",
                                          ["group", "economy", "from_year", "to_year", "source", "verified"], mem)
    counts["dimensions.csv"] = write_csv("dimensions.csv", ["dimension", "value", "label"], DIMS)
    counts["catalogue.csv"] = write_csv("catalogue.csv", CAT_HDR, list(cat.values()))
    counts["code_map.csv"] = write_csv("code_map.csv", CM_HDR, cm)
    for src, dst in COPIES:
        d = os.path.join(DATA, dst)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        shutil.copyfile(os.path.join(SD, src), d)
    check(counts)


# ---------------------------------------------------------------- checks
RESERVED = {"and", "or", "not", "if", "then", "else", "true", "false", "null", "nan", "inf", "in", "sum", "mean",
            "wmean", "median", "min", "max", "abs", "log", "exp", "sqrt", "none", "year", "lag"}
CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


def check(counts):
    econ = {r[0] for r in econ_rows}
    assert len(econ_rows) == len(CC) + 4 == len(econ)
    catc = set(cat)
    dims = DIM_VALUES
    for code in list(econ) + list(catc) + list(GROUP_CODES):
        assert CODE_RE.match(code), code
    for code in catc:   # indicator codes appear in formulas: no reserved words (economy AND = Andorra is fine)
        assert code.lower() not in RESERVED, code
    # memberships
    for g, e, fy, ty, _, v in mem:
        assert g in GROUP_CODES, g
        assert e in econ, e
        assert v in ("0", "1")
    assert len({(m[0], m[1]) for m in mem}) == len(mem), "duplicate membership"
    # every non-world group has at least one member
    members = Counter(m[0] for m in mem)
    for g in GROUP_CODES:
        assert members[g] > 0, g
    # ITU regions
    reg = {r[0]: r[7] for r in econ_rows}
    assert len(ARB) == 22 and all(reg[c] == "ARB" for c in ARB)
    assert all(reg[c] == "CIS" for c in CIS)
    assert sorted(c for c in reg if reg[c] == "ARB") == sorted(ARB)
    assert sorted(c for c in reg if reg[c] == "CIS") == sorted(CIS)
    for c, want in [("KEN", "AFR"), ("EGY", "ARB"), ("RUS", "CIS"), ("TUR", "EUR"), ("AUS", "ASP"), ("BRA", "AMS"),
                    ("CYP", "EUR"), ("ISR", "EUR"), ("XKX", "EUR"), ("ASC", "AFR"), ("ANT", "AMS"), ("ATA", "")]:
        assert reg[c] == want, (c, reg[c], want)
    assert all(r[7] in ("AFR", "AMS", "ARB", "ASP", "CIS", "EUR", "") for r in econ_rows)
    # LDC now
    ldc_now = [m for m in mem if m[0] == "LDC" and m[3] == ""]
    assert len(ldc_now) == 44, len(ldc_now)
    assert "STP" not in {m[1] for m in ldc_now} and "BTN" not in {m[1] for m in ldc_now}
    # income totals as in PROVENANCE: 85/54/51/26
    inc = Counter(m[0] for m in mem if m[0] in ("HIC", "UMC", "LMC", "LIC"))
    assert inc == Counter(HIC=85, UMC=54, LMC=51, LIC=26), inc
    # code map targets exist
    cmap = {}
    for s, k, sc, t, _ in cm:
        assert (s, k, sc) not in cmap, ("dup map", s, k, sc)
        cmap[(s, k, sc)] = t
        if k == "economy":
            assert t in econ, t
        elif k == "indicator":
            assert t in catc, t
        elif k == "skip_economy":
            assert t == ""

    def econ_ok(src, c):
        if (src, "skip_economy", c) in cmap:
            return True
        t = cmap.get((src, "economy", c)) or cmap.get(("*", "economy", c)) or c
        return t in econ

    def ind_ok(src, c):
        t = cmap.get((src, "indicator", c)) or cmap.get(("*", "indicator", c))
        return t in catc if t else c in catc

    obs = [("observations/itu_core_indicators.csv", "itu", "iso3", ["indicator", "itu_code"]),
           ("observations/itu_price_baskets.csv", "itu", "iso3", ["indicator", "itu_code"]),
           ("observations/wdi_ict_per100.csv", "wdi", "iso3", ["indicator_code"]),
           ("observations/wdi_internet_users.csv", "wdi", "iso3", ["indicator_code"]),
           ("observations/gapminder_ict_counts.csv", "gapminder", "geo", ["indicator_code"]),
           ("observations/wdi_population.csv", "wdi", "iso3", ["indicator_code"]),
           ("observations/wdi_gni_per_capita_atlas.csv", "wdi", "iso3", ["indicator_code"])]
    obs_counts = {}
    for path, src, ecol, icols in obs:
        rows = read_csv(os.path.join(DATA, path))
        obs_counts[path] = len(rows)
        bad_e = sorted({r[ecol] for r in rows if not econ_ok(src, r[ecol])})
        assert not bad_e, (path, bad_e)
        for ic in icols:
            bad_i = sorted({r[ic] for r in rows if not ind_ok(src, r[ic])})
            assert not bad_i, (path, ic, bad_i)
        for r in rows:
            assert r["value"] != "" and "e" not in r["value"].lower(), (path, r)
    for r in read_csv(os.path.join(DATA, "idi/idi_2017_legacy.csv")):
        assert r["iso3"] in econ
    # formulas: identifiers are catalogue codes, selectors are dimension values
    for row in cat.values():
        f = row[9]
        if not f:
            continue
        sel = re.findall(r"\[([^\]]*)\]", f)
        for s in sel:
            for part in s.split(","):
                d, v = part.split("=")
                assert d.strip() in dims and v.strip() in dims[d.strip()], (row[0], part)
        bare = re.sub(r"\[[^\]]*\]", "", f)
        for ident in re.findall(r"[A-Za-z][A-Za-z0-9_.]*", bare):
            assert ident in catc, (row[0], ident)
        assert re.fullmatch(r"[A-Za-z0-9_.\s*/+()\-\[\]=]+", f), f
    # catalogue fields
    for row in cat.values():
        assert row[4] in ("administrative", "household", "derived", "sdg", "reference"), row
        assert row[10] in ("sum", "wmean", "median", "none"), row
        assert (row[10] == "wmean") == (row[11] != ""), row
        if row[11]:
            assert row[11] in catc
        for d in filter(None, row[6].split(";")):
            assert d in dims, (row[0], d)
        assert row[12] in ("0", "1")
    assert len(cat) == len(SPEC_CAT) + len(NEW)
    # summary
    print("ictdev reference data built in", DATA)
    for k, v in counts.items():
        print("  %-18s %6d rows" % (k, v))
    for k, v in obs_counts.items():
        print("  %-45s %6d rows (copied)" % (k, v))
    print("  ITU regions:", dict(sorted(Counter(reg.values()).items())))
    print("  groups by kind:", dict(Counter(g[2] for g in groups)))
    print("  LDC members now:", len(ldc_now), "; income:", dict(inc))
    print("  catalogue:", len(cat), "indicators (", len(SPEC_CAT), "from spec +", len(NEW), "added );",
          sum(1 for r in cat.values() if r[9]), "with formula")
    print("all checks passed")


if __name__ == "__main__":
    main()
