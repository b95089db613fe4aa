#!/usr/bin/env python3
"""Generate the bench/load inputs: a reference data directory (economies,
one group, a catalogue of indicators) and a long CSV of
economies x indicators x years rows. Usage: gen_load.py DIR ECON IND YEARS"""
import os
import sys


def codes(n):
    out = []
    a = ord('A')
    for i in range(n):
        out.append(chr(a + i // 676 % 26) + chr(a + i // 26 % 26) + chr(a + i % 26))
    return out


def main():
    d, n_eco, n_ind, n_year = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    ref = os.path.join(d, "data")
    os.makedirs(ref, exist_ok=True)
    ecos = codes(n_eco)
    inds = ["b%04d" % i for i in range(n_ind)]
    with open(os.path.join(ref, "economies.csv"), "w") as f:
        f.write("iso3,name,iso2,m49,un_region,un_subregion,un_intermediate,"
                "itu_region,itu_region_verified,wb_region,is_independent,note\n")
        for e in ecos:
            f.write("%s,Economy %s,,,,,,,0,,1,\n" % (e, e))
    with open(os.path.join(ref, "groups.csv"), "w") as f:
        f.write("code,name,kind,source,verified,note\nWLD,World,world,bench,1,\n")
    with open(os.path.join(ref, "memberships.csv"), "w") as f:
        f.write("group,economy,from_year,to_year,source,verified\n")
        for e in ecos:
            f.write("WLD,%s,,,bench,1\n" % e)
    with open(os.path.join(ref, "dimensions.csv"), "w") as f:
        f.write("dimension,value,label\nsex,F,Female\nsex,M,Male\n")
    with open(os.path.join(ref, "catalogue.csv"), "w") as f:
        f.write("code,name,definition,unit,kind,collection,dimensions,sdg,"
                "source_instrument,formula,agg,weight,verified\n")
        for i in inds:
            f.write("%s,Bench indicator %s,,number,administrative,,,,,,sum,,0\n" % (i, i))
    with open(os.path.join(ref, "code_map.csv"), "w") as f:
        f.write("source,kind,source_code,target,note\n")
    with open(os.path.join(d, "obs.csv"), "w") as f:
        f.write("economy,indicator,year,value\n")
        years = [str(1924 + y) for y in range(n_year)]
        for ei, e in enumerate(ecos):
            lines = []
            for ii, i in enumerate(inds):
                base = (ei * 7919 + ii * 104729) % 100000
                for yi, y in enumerate(years):
                    v = (base + yi * 37) % 100000
                    lines.append("%s,%s,%s,%d.%02d\n" % (e, i, y, v // 100, v % 100))
            f.write("".join(lines))


main()
