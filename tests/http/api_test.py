#!/usr/bin/env python3
"""End-to-end checks of `ictdev serve` against a running server.
Usage: api_test.py PORT. Prints "ok NAME" / "FAIL NAME: why" per check and
"N passed, N failed" last."""
import csv
import gzip
import http.client
import io
import json
import re
import socket
import sys

PORT = int(sys.argv[1])
passed = failed = 0


def req(method, path, headers=None, body=None):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=20)
    c.putrequest(method, path, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    if body is not None:
        c.putheader("Content-Length", str(len(body)))
    c.endheaders()
    if body is not None:
        c.send(body)
    r = c.getresponse()
    data = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, hdrs, data


def raw(text):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=20)
    s.sendall(text.encode("latin-1"))
    out = b""
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        out += chunk
    s.close()
    return out


def check(name, cond, why=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + (": " + why if why else ""))


def problem(name, path, status, method="GET", headers=None, body=None,
            param=None):
    st, h, b = req(method, path, headers, body)
    ok = st == status
    why = "status %d" % st
    if ok and status != 414:
        try:
            p = json.loads(b)
            ok = (h.get("content-type", "").startswith(
                "application/problem+json") and p["status"] == status
                and "title" in p and "type" in p)
            if param:
                ok = ok and param in p.get("detail", "")
            why = b.decode(errors="replace")[:200]
        except Exception as e:  # noqa: BLE001
            ok, why = False, "not problem+json: %s" % e
    check(name, ok, why)
    return st, h, b


# --- health and pages ---
st, h, b = req("GET", "/healthz")
check("healthz", st == 200 and json.loads(b)["status"] == "ok")
for path in ["/", "/catalogue", "/catalogue?q=internet", "/economies/KEN",
             "/groups/AFR", "/groups/WLD?year=2020"]:
    st, h, b = req("GET", path)
    check("page %s" % path, st == 200 and
          h["content-type"].startswith("text/html") and
          b.rstrip().endswith(b"</html>") and len(b) < 150 * 1024,
          "status %d, %d bytes" % (st, len(b)))
st, h, b = req("GET", "/indicators/i99H")
check("indicator page with map", st == 200 and
      b.count(b'class="country"') == 177, "shapes %d" %
      b.count(b'class="country"'))
check("indicator page chart points", b.count(b'class="pt"') > 0)
check("indicator page download links",
      all(("format=" + f).encode() in b for f in
          ["json", "csv", "sdmx-csv", "jsonstat"]))
st, h, b = req("GET", "/indicators/i99H?economies=KEN,WLD&year=2020")
check("indicator page chosen economies", st == 200 and
      b.count(b'class="pt"') == 14 + 14, "points %d" % b.count(b'class="pt"'))
st, h, b = req("GET", "/economies/KEN")
check("HTML escaping", b"&lt;script&gt;" in b and b"<script>alert" not in b)
check("economy sparklines", b.count(b'class="spark"') >= 1)
check("security headers", "content-security-policy" in h and
      h.get("x-content-type-options") == "nosniff")
st, h, b = req("GET", "/static/ictdev.css")
check("static css", st == 200 and h["content-type"].startswith("text/css"))

# --- reference API ---
st, h, b = req("GET", "/api/v1/indicators?limit=5")
j = json.loads(b)
check("indicators page", st == 200 and len(j["items"]) == 5 and
      j["total"] > 5 and j["next"])
st2, h2, b2 = req("GET", j["next"])
j2 = json.loads(b2)
check("indicators next page", st2 == 200 and j2["offset"] == 5 and
      j2["items"][0]["code"] != j["items"][0]["code"])
st, h, b = req("GET", "/api/v1/indicators?q=internet")
j = json.loads(b)
check("indicators search", st == 200 and 0 < j["total"] < 123)
st, h, b = req("GET", "/api/v1/indicators/i99H")
j = json.loads(b)
check("indicator detail", st == 200 and j["code"] == "i99H" and
      "sex" in j["dimensions"] and "sex" in j["dimension_values"])
st, h, b = req("GET", "/api/v1/economies")
check("economies", st == 200 and json.loads(b)["total"] > 200)
st, h, b = req("GET", "/api/v1/economies/KEN")
j = json.loads(b)
check("economy detail", st == 200 and j["name"] == "Kenya" and
      any(g["group"] == "AFR" for g in j["groups"]))
st, h, b = req("GET", "/api/v1/groups")
check("groups", st == 200 and json.loads(b)["total"] > 10)
st, h, b = req("GET", "/api/v1/groups/AFR?year=2020")
j = json.loads(b)
check("group members by year", st == 200 and j["member_count"] > 40)
st, h, b = req("GET", "/api/v1/openapi.json")
j = json.loads(b)
check("openapi 3.1", st == 200 and j["openapi"].startswith("3.1") and
      "/api/v1/data" in j["paths"] and "/api/v1/data/{indicator}/{economy}"
      in j["paths"])

# --- data formats ---
base = "/api/v1/data?indicator=i99H&economy=KEN,UGA,WLD&years=2015:2023"
st, h, b = req("GET", base)
j = json.loads(b)
total = j["total"]
check("data json", st == 200 and total >= 27 and len(j["data"]) == total and
      all(set(["indicator", "economy", "year", "value"]) <= set(d)
          for d in j["data"]), "total %s" % j.get("total"))
st, h, b = req("GET", base + "&limit=10&offset=20")
j = json.loads(b)
check("data json paging", len(j["data"]) == min(10, total - 20) and
      (j["next"] is None) == (total <= 30))
st, h, b = req("GET", base + "&limit=10")
j = json.loads(b)
check("data json next", j["next"] and "offset=10" in j["next"])
st, h, b = req("GET", base + "&format=csv")
rows = list(csv.reader(io.StringIO(b.decode())))
check("data csv", st == 200 and h["content-type"].startswith("text/csv") and
      rows[0][:4] == ["economy", "indicator", "year", "value"] and
      len(rows) == total + 1 and all(len(r) == len(rows[0]) for r in rows))
st, h, b = req("GET", base, {"Accept": "text/csv"})
check("Accept text/csv", b.startswith(b"economy,indicator,year,value"))
st, h, b = req("GET", "/api/v1/data?indicator=i99H&sex=F&years=2020")
sexeco = json.loads(b)["data"][0]["economy"]
st, h, b = req("GET", "/api/v1/data?indicator=i99H&economy=KEN," + sexeco +
               "&format=sdmx-csv")
rows = list(csv.reader(io.StringIO(b.decode())))
hdr = rows[0]
check("sdmx-csv header", hdr[:3] == ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
      and "TIME_PERIOD" in hdr and "OBS_VALUE" in hdr, str(hdr))
check("sdmx-csv rows", len(rows) > 1 and all(
    len(r) == len(hdr) and r[0] in ("dataflow", "datastructure",
                                    "dataprovision")
    and re.fullmatch(r"[A-Za-z0-9_.@-]+:[A-Za-z0-9_@-]+\([0-9.]+\)", r[1])
    and r[2] in ("I", "A", "R", "D", "M")
    for r in rows[1:]))
check("sdmx-csv dims", "SEX" in hdr and any(r[hdr.index("SEX")] == "F"
                                            for r in rows[1:]))
st, h, b = req("GET", base, {"Accept": "application/vnd.sdmx.data+csv;"
                                       "version=2.0.0"})
check("Accept sdmx-csv", b.startswith(b"STRUCTURE,STRUCTURE_ID,ACTION"))
st, h, b = req("GET", "/api/v1/data?indicator=i99H,i271&economy=KEN,ARG"
               "&format=jsonstat")
j = json.loads(b)
size = 1
for s in j["size"]:
    size *= s
check("jsonstat structure", st == 200 and j["version"] == "2.0" and
      j["class"] == "dataset" and isinstance(j["id"], list) and
      len(j["id"]) == len(j["size"]) and set(j["id"]) == set(j["dimension"])
      and len(j["value"]) == size and all(
          len(j["dimension"][d]["category"]["index"]) == n
          for d, n in zip(j["id"], j["size"])))
check("jsonstat values", any(v is not None for v in j["value"]))
st, h, b = req("GET", "/api/v1/data/i99H/KEN?format=json&years=2020")
j = json.loads(b)
check("short form", st == 200 and j["total"] == 1 and
      j["data"][0]["economy"] == "KEN")
st, h, b = req("GET", "/api/v1/data?indicator=i99H&group=AFR&years=2020")
j = json.loads(b)
check("group filter", st == 200 and j["total"] > 20 and
      all(d["economy"] != "FRA" for d in j["data"]))
st, h, b = req("GET", "/api/v1/data/i99H/KEN?years=2020&as_of=2021-01-01")
j1 = json.loads(b)
st, h, b = req("GET", "/api/v1/data/i99H/KEN?years=2020")
j2 = json.loads(b)
check("as_of", j1["data"][0]["revision"]["batch"] == 1 and
      j2["data"][0]["revision"]["batch"] == 2 and
      j1["data"][0]["value"] != j2["data"][0]["value"])
st, h, b = req("GET", "/sdmx/data/ICT/i99H.KEN+UGA?startPeriod=2020"
               "&endPeriod=2021")
rows = list(csv.reader(io.StringIO(b.decode())))
check("sdmx rest path", st == 200 and rows[0][0] == "STRUCTURE" and
      len(rows) >= 5, "%d rows" % len(rows))

# --- streamed answers (CSV / SDMX-CSV over every economy) ---
st, h, b = req("GET", "/api/v1/data?indicator=i99H,i271&limit=100000")
jtotal = json.loads(b)["total"]
st, h, b = req("GET", "/api/v1/data?indicator=i99H,i271&format=csv")
rows = list(csv.reader(io.StringIO(b.decode())))
check("streamed csv", st == 200 and h.get("transfer-encoding") == "chunked"
      and len(rows) == jtotal + 1 and rows[0][0] == "economy",
      "%d rows vs %d" % (len(rows), jtotal))
st, h, b = req("GET", "/api/v1/data?indicator=i99H&format=sdmx-csv")
rows = list(csv.reader(io.StringIO(b.decode())))
check("streamed sdmx-csv", st == 200 and rows[0][:3] == [
    "STRUCTURE", "STRUCTURE_ID", "ACTION"] and "SEX" in rows[0] and
    all(len(r) == len(rows[0]) for r in rows))
problem("streamed unknown indicator is 404",
        "/api/v1/data?indicator=nope&format=csv", 404)
s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
s.sendall(b"GET /api/v1/data?indicator=i99H,i271&format=csv HTTP/1.1\r\n"
          b"Host: x\r\n\r\n")
s.recv(1000)
s.close()
st, h, b = req("GET", "/healthz")
check("client leaving mid-stream", st == 200)

# --- HTTP behaviour ---
st, h, b = req("GET", "/api/v1/data/i99H/KEN")
etag = h.get("etag")
check("etag and last-modified", etag and "last-modified" in h)
st, h, b = req("GET", "/api/v1/data/i99H/KEN", {"If-None-Match": etag})
check("304 on If-None-Match", st == 304 and b == b"")
st, h, b = req("GET", "/api/v1/data/i99H/KEN", {"If-None-Match": '"x"'})
check("200 on other etag", st == 200)
st, hp, plain = req("GET", "/indicators/i99H")
st, hg, gz = req("GET", "/indicators/i99H", {"Accept-Encoding": "gzip"})
check("gzip", hg.get("content-encoding") == "gzip" and
      gzip.decompress(gz) == plain and len(gz) < len(plain) / 3)
st, h, b = req("GET", "/api/v1/data/i99H/KEN", {"Accept-Encoding":
                                                "gzip;q=0"})
check("no gzip when q=0", "content-encoding" not in h)
st, h, b = req("GET", "/api/v1/indicators", {"Origin": "http://x.org"})
check("CORS", h.get("access-control-allow-origin") == "*")
st, h, b = req("OPTIONS", "/api/v1/indicators")
check("OPTIONS preflight", st == 204 and "GET" in h.get("allow", ""))
st, h, b = req("HEAD", "/api/v1/indicators")
check("HEAD", st == 200 and b == b"")

# --- bad input ---
problem("400 bad years", "/api/v1/data?indicator=i99H&years=20x0", 400,
        param="years")
problem("400 bad format", "/api/v1/data?indicator=i99H&format=xml", 400,
        param="format")
problem("400 unknown parameter", "/api/v1/data?indicator=i99H&colour=red",
        400, param="colour")
problem("400 missing indicator", "/api/v1/data?economy=KEN", 400,
        param="indicator")
problem("400 bad limit", "/api/v1/indicators?limit=-1", 400, param="limit")
problem("400 bad escape", "/api/v1/indicators?q=%zz", 400)
problem("400 encoded NUL", "/api/v1/indicators?q=a%00b", 400)
problem("400 not UTF-8", "/api/v1/indicators?q=%ff%fe", 400)
problem("400 duplicate parameter", "/api/v1/data?indicator=a&indicator=b",
        400)
problem("400 SQL-looking value",
        "/api/v1/data?indicator=i99H&economy=KEN%27%3B%20DROP%20TABLE%20obs",
        400, param="economy")
st, h, b = req("GET", "/api/v1/indicators?q=%27%20OR%201%3D1%20--")
check("SQL-looking search is just text", st == 200 and
      json.loads(b)["total"] == 0)
problem("404 unknown indicator", "/api/v1/indicators/nope", 404)
problem("404 unknown economy data", "/api/v1/data/i99H/ZZZ", 404)
problem("404 unknown economy page", "/economies/ZZZ", 404)
problem("404 unknown group", "/api/v1/data?indicator=i99H&group=NOPE", 404)
problem("404 unknown route", "/wp-admin.php", 404)
st, h, b = problem("405 POST", "/api/v1/indicators", 405, method="POST",
                   body=b"x=1")
check("405 Allow header", "GET" in h.get("allow", ""))
problem("405 DELETE", "/economies/KEN", 405, method="DELETE")
out = raw("POST /api/v1/data HTTP/1.1\r\nHost: x\r\nContent-Length: "
          "999999999999\r\nConnection: close\r\n\r\nabc")
check("413 oversized body", out.startswith(b"HTTP/1.1 413"), out[:60])
problem("414 long URL", "/api/v1/indicators?q=" + "a" * 5000, 414)
for path in ["/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/"
             "passwd", "/static/..%2f..%2fetc%2fpasswd",
             "/static/%2e%2e%5c%2e%2e%5cetc%5cpasswd", "/../../etc/passwd"]:
    out = raw("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" %
              path)
    check("traversal %s" % path, (out.startswith(b"HTTP/1.1 400") or
                                  out.startswith(b"HTTP/1.1 404")) and
          b"root:" not in out, out[:40])
out = raw("GET /api/v1/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close"
          "\r\n\r\n")
check("raw non-UTF-8 path", out.startswith(b"HTTP/1.1 4"), out[:40])
out = raw("GARBAGE\r\n\r\n")
check("garbage request line", out == b"" or out.startswith(b"HTTP/1.1 4"))
st, h, b = req("GET", "/healthz")
check("still healthy after bad input", st == 200)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
