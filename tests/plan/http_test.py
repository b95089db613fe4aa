"""HTTP checks of the results framework (tests/plan/run-suite.sh)."""
import json
import sys
import urllib.error
import urllib.request

BASE = sys.argv[1]
passed = 0
failed = 0


def get(path):
    try:
        with urllib.request.urlopen(BASE + path) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def case(name, ok):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL", name)


if len(sys.argv) > 3 and sys.argv[2] == "--get":
    st, h, b = get(sys.argv[3])
    sys.stdout.write(b)
    sys.exit(0 if st == 200 else 1)

st, h, b = get("/api/v1/plan?year=2024")
doc = json.loads(b) if st == 200 else {}
case("plan 200", st == 200)
case("plan set", doc.get("set", {}).get("illustrative") is True)
pr = doc.get("priorities", [])
case("plan priorities", [p["id"] for p in pr] == ["P1", "P2", "P3", "P4", "P5"])
kpis = [k for p in pr for o in p["outputs"] + p["expected_results"]
        for k in o["kpis"]]
computed = [k for k in kpis if k["measure"] == "computed"
            and k["value"] is not None]
case("plan >= 10 computed KPIs with values", len(computed) >= 10)
case("plan statuses", all(k["status"] in ("achieved", "on track", "at risk",
                                          "off track", "no data")
                          for k in kpis))

st, h, b = get("/api/v1/plan/progress?year=2024&format=csv")
case("progress csv", st == 200 and b.startswith(
    "kpi,element,value,baseline,target,status\n"))
st, h, b = get("/api/v1/plan/progress?year=2024")
case("progress json", st == 200 and len(json.loads(b)) == len(kpis))
st, h, b = get("/api/v1/plan/progress?format=xml")
case("progress bad format 400", st == 400)
st, h, b = get("/api/v1/plan/progress?year=20x4")
case("progress bad year 400", st == 400)
st, h, b = get("/api/v1/plan/progress?colour=red")
case("unknown parameter 400", st == 400)

st, h, b = get("/api/v1/plan/links/sdg:9.c?year=2024")
lk = json.loads(b) if st == 200 else {}
case("links sdg:9.c", st == 200 and lk.get("type") == "sdg-target"
     and any(e["id"] == "K03" for e in lk.get("elements", [])))
st, h, b = get("/api/v1/plan/links?target=q:Q1/1")
case("links q:Q1/1 by query", st == 200 and json.loads(b)["type"] ==
     "question")
st, h, b = get("/api/v1/plan/links/sdg:99")
case("links unknown 404", st == 404 and "problem+json" in
     h.get("Content-Type", ""))

st, h, b = get("/api/v1/plan/matrix")
m = json.loads(b) if st == 200 else {}
case("matrix", st == 200 and m.get("columns") == [
    "sdg", "sp", "wsis", "resolution", "ri", "question"]
     and len(m.get("rows", [])) == 5)

st, h, b = get("/api/v1/plan/report?year=2024")
case("report", st == 200 and "<svg" in b and b.rstrip().endswith("</html>")
     and "attachment" in h.get("Content-Disposition", ""))

st, h, b = get("/plan?year=2024")
case("page", st == 200 and "Set loaded" in b and "ILLUSTRATIVE" in b
     and b.count("<svg") >= 10 and 'style="' not in b)
st, h, b = get("/api/v1/plan/iati")
case("iati", st == 200 and b.count("<iati-activity ") == 3
     and "recipient-country code=\"BI\"" in b)

print("%d passed, %d failed" % (passed, failed))
