// bench/compute: ictdev's full recompute of every derived indicator and
// every group aggregate against the same computation as SQL in DuckDB, on
// the same synthetic data; then ictdev's incremental recompute after one
// economy-year changes (five times, the median reported). Times are the
// ictdev process's own (bash's time: fork and exec to exit). Last line:
//   compute: ictdev X s vs duckdb Y s (ratio X/Y)
// Scale (env): BENCH_ECONOMIES (200), BENCH_INPUTS (100), BENCH_YEARS (50),
// BENCH_BREAKDOWNS (4 age values besides the total, so 5 series per input:
// 200 x 100 x 50 x 5 = 5,000,000 observations, plus population),
// BENCH_GROUPS (50). BENCH_DIR keeps the work directory.
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ictdev = process.env.ICTDEV || path.join(repo, 'build', 'ictdev');
const NE = Number(process.env.BENCH_ECONOMIES || 200);
const NI = Number(process.env.BENCH_INPUTS || 100);
const NY = Number(process.env.BENCH_YEARS || 50);
const NB = Math.min(4, Number(process.env.BENCH_BREAKDOWNS ?? 4));
const NG = Math.max(1, Number(process.env.BENCH_GROUPS || 50));
const Y0 = 1975;
const AGES = ['0-14', '15-24', '25-74', '75+'].slice(0, NB);
const dir = process.env.BENCH_DIR ||
  fs.mkdtempSync(path.join(os.tmpdir(), 'ictdev-bench-compute-'));
const db = path.join(dir, 'ictdev.db');

function code(i) {
  const a = 65;
  return String.fromCharCode(a + Math.floor(i / 676) % 26,
    a + Math.floor(i / 26) % 26, a + i % 26);
}
const econ = Array.from({ length: NE }, (_, i) => code(i));
const inputs = Array.from({ length: NI }, (_, i) =>
  'x' + String(i + 1).padStart(3, '0'));

// Group k > 0: a deterministic ~1/8 of the economies (regions, income
// groups and the like have 10-50 members); group 0 is the world.
function members(k) {
  if (k === 0) return econ;
  return econ.filter((_, i) => (i * 31 + k * 17) % 8 === 0);
}

function writeReference() {
  const ref = path.join(dir, 'data');
  fs.mkdirSync(ref, { recursive: true });
  let s = 'iso3,name,iso2,m49,un_region,un_subregion,un_intermediate,' +
    'itu_region,itu_region_verified,wb_region,is_independent,note\n';
  for (const e of econ) s += `${e},Economy ${e},,,,,,,0,,1,\n`;
  fs.writeFileSync(path.join(ref, 'economies.csv'), s);
  s = 'code,name,kind,source,verified,note\n';
  let m = 'group,economy,from_year,to_year,source,verified\n';
  const groups = [];
  for (let k = 0; k < NG; k++) {
    const g = k === 0 ? 'WLD' : 'G' + String(k).padStart(2, '0');
    groups.push(g);
    s += `${g},Group ${g},${k === 0 ? 'world' : 'bench'},bench,1,\n`;
    for (const e of members(k)) m += `${g},${e},,,bench,1\n`;
  }
  fs.writeFileSync(path.join(ref, 'groups.csv'), s);
  fs.writeFileSync(path.join(ref, 'memberships.csv'), m);
  fs.copyFileSync(path.join(repo, 'data', 'dimensions.csv'),
    path.join(ref, 'dimensions.csv'));
  fs.writeFileSync(path.join(ref, 'code_map.csv'),
    'source,kind,source_code,target,note\n');
  s = 'code,name,definition,unit,kind,collection,dimensions,sdg,' +
    'source_instrument,formula,agg,weight,verified\n';
  s += 'pop,Population,,number,administrative,bench,,,bench,,sum,,1\n';
  for (const x of inputs) {
    s += `${x},Input ${x},,number,administrative,bench,age,,bench,,sum,,1\n`;
    s += `d${x.slice(1)},Rate ${x},,per 100 inhabitants,derived,bench,,,` +
      `bench,100 * ${x} / pop,wmean,pop,1\n`;
  }
  fs.writeFileSync(path.join(ref, 'catalogue.csv'), s);
  return groups;
}

// Long CSV: economy,indicator,year,value,age (age empty = total).
function writeObservations() {
  const file = path.join(dir, 'obs.csv');
  const fd = fs.openSync(file, 'w');
  let buf = 'economy,indicator,year,value,age\n';
  let n = 0;
  const flush = () => { fs.writeSync(fd, buf); buf = ''; };
  for (let e = 0; e < NE; e++) {
    for (let y = 0; y < NY; y++) {
      buf += `${econ[e]},pop,${Y0 + y},${1000000 * (1 + e % 50) + 1000 * y},\n`;
      n++;
    }
  }
  for (let i = 0; i < NI; i++) {
    for (let e = 0; e < NE; e++) {
      for (let y = 0; y < NY; y++) {
        const base = 1000 * (1 + (i * 7 + e * 13 + y * 3) % 997);
        buf += `${econ[e]},${inputs[i]},${Y0 + y},${base},\n`;
        for (let b = 0; b < NB; b++) {
          buf += `${econ[e]},${inputs[i]},${Y0 + y},${base * (b + 1) / 10},` +
            `${AGES[b]}\n`;
        }
        n += 1 + NB;
      }
      if (buf.length > 1 << 20) flush();
    }
  }
  flush();
  fs.closeSync(fd);
  return { file, n };
}

// The ictdev process's wall time (from bash's time: its fork and exec to
// its exit, not bash's own start, which is ~5 ms here and would be a
// fifth of an incremental run), plus its CPU time (user + system: the
// machine may be shared, so both are reported).
function run(args, env = {}) {
  const r = spawnSync('bash', ['-c',
    'TIMEFORMAT="%R %U %S"; { time "$@" 2>&3; } 3>&2 2>"$CPUFILE"', 'run',
    ictdev, '--db', db, ...args], {
    env: { ...process.env, ICTDEV_DATA: path.join(dir, 'data'),
      ICTDEV_NO_PROGRESS: '1', CPUFILE: path.join(dir, 'cpu.txt'), ...env },
    encoding: 'utf8', maxBuffer: 1 << 26,
  });
  if (r.status !== 0) {
    throw new Error(`ictdev ${args.join(' ')}: ${r.stderr || r.error}`);
  }
  const [s, u, k] = fs.readFileSync(path.join(dir, 'cpu.txt'), 'utf8')
    .trim().split(/\s+/).map(Number);
  return { s, cpu: u + k, out: r.stdout.trim() };
}

const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

const SQL_DERIVED = `
CREATE OR REPLACE TABLE derived AS
SELECT x.economy, 'd' || substr(x.indicator, 2) AS indicator, x.year,
       100 * x.value / p.value AS value
FROM obs x JOIN obs p
  ON p.indicator = 'pop' AND p.economy = x.economy AND p.year = x.year
 AND p.age IS NULL
WHERE x.indicator <> 'pop' AND x.age IS NULL AND p.value <> 0`;

// Sums for counts, population-weighted means for the rates, coverage =
// percent of the group's population with a value: what ictdev compute
// --method none --min-coverage 0 stores.
const SQL_AGG = `
CREATE OR REPLACE TABLE agg AS
WITH v AS (
  SELECT economy, indicator, year, age, value FROM obs
  UNION ALL SELECT economy, indicator, year, NULL, value FROM derived),
pop AS (SELECT economy, year, value FROM obs
        WHERE indicator = 'pop' AND age IS NULL),
tot AS (SELECT m.grp, p.year, sum(p.value) AS w
        FROM members m JOIN pop p ON p.economy = m.economy GROUP BY ALL)
SELECT m.grp, v.indicator, v.age, v.year,
       CASE WHEN v.indicator LIKE 'd%'
            THEN sum(v.value * p.value) / sum(p.value)
            ELSE sum(v.value) END AS value,
       100 * sum(p.value) / any_value(t.w) AS coverage
FROM v JOIN members m ON m.economy = v.economy
JOIN pop p ON p.economy = v.economy AND p.year = v.year
JOIN tot t ON t.grp = m.grp AND t.year = v.year
GROUP BY m.grp, v.indicator, v.age, v.year`;

async function duckdb(obsFile) {
  const inst = await DuckDBInstance.create(path.join(dir, 'duck.db'));
  const con = await inst.connect();
  const t0 = process.hrtime.bigint();
  await con.run(`CREATE OR REPLACE TABLE obs AS SELECT * FROM read_csv(
    '${obsFile}', header = true, columns = {'economy': 'VARCHAR',
    'indicator': 'VARCHAR', 'year': 'INTEGER', 'value': 'DOUBLE',
    'age': 'VARCHAR'})`);
  await con.run(`CREATE OR REPLACE TABLE members AS SELECT "group" AS grp,
    economy FROM read_csv('${path.join(dir, 'data', 'memberships.csv')}',
    header = true)`);
  const load = Number(process.hrtime.bigint() - t0) / 1e9;
  const t1 = process.hrtime.bigint();
  const c1 = process.cpuUsage();
  await con.run(SQL_DERIVED);
  await con.run(SQL_AGG);
  await con.run('CHECKPOINT');
  const s = Number(process.hrtime.bigint() - t1) / 1e9;
  const c2 = process.cpuUsage(c1);
  const cpu = (c2.user + c2.system) / 1e6;
  const r = await con.runAndReadAll(`SELECT
    (SELECT count(*) FROM derived) AS nd, (SELECT count(*) FROM agg) AS na,
    (SELECT value FROM agg WHERE grp = 'WLD' AND indicator = 'd001'
       AND year = ${Y0} AND age IS NULL) AS wld`);
  const row = r.getRowObjectsJson()[0];
  con.closeSync();
  return { load, s, cpu, row };
}

function wldFromIctdev() {
  const q = run(['query', '--indicator', 'd001', '--economy', 'WLD',
    '--years', String(Y0), '--format', 'csv']);
  const line = q.out.split('\n')[1] || '';
  return Number(line.split(',')[3]);
}

async function main() {
  console.log(`bench/compute: ${NE} economies x ${NI} inputs x ${NY} years x ` +
    `${1 + NB} series per input, ${NG} groups; work dir ${dir}`);
  writeReference();
  const obs = writeObservations();
  console.log(`generated ${obs.n} observations (+ population)`);
  run(['init', '--empty']);
  const ld = run(['load', obs.file]);
  console.log(`ictdev load: ${ld.s.toFixed(1)} s (not timed below)`);

  const opts = ['compute', '--method', 'none', '--min-coverage', '0'];
  const full = run(opts);
  console.log(`ictdev compute (full): ${full.s.toFixed(2)} s ` +
    `(cpu ${full.cpu.toFixed(2)} s)\n  ` +
    full.out.replace(/\n/g, '\n  '));

  // Five incremental runs, each after one economy-year changed (another
  // economy, input and year each time); their median is reported.
  const one = path.join(dir, 'one.csv');
  const incs = [];
  let incr;
  for (let k = 0; k < 5; k++) {
    fs.writeFileSync(one, 'economy,indicator,year,value\n' +
      `${econ[(37 * k) % NE]},${inputs[(11 * k) % NI]},` +
      `${Y0 + (10 + 9 * k) % NY},123456789\n`);
    run(['load', one]);
    incr = run(opts);
    incs.push(incr.s);
  }
  const inc = median(incs);
  console.log(`ictdev compute (after one economy-year changed, 5 times): ` +
    `median ${(1000 * inc).toFixed(1)} ms, runs ` +
    `${incs.map((x) => (1000 * x).toFixed(0)).join(' ')} ms ` +
    `(last: cpu ${(1000 * incr.cpu).toFixed(0)} ms) = ` +
    `${(100 * inc / full.s).toFixed(2)}% of full\n  ` +
    incr.out.replace(/\n/g, '\n  '));
  const noop = run(opts);
  console.log(`ictdev compute (nothing changed): ` +
    `${(1000 * noop.s).toFixed(0)} ms (cpu ${(1000 * noop.cpu).toFixed(0)} ` +
    `ms)\n  ` + noop.out.replace(/\n/g, '\n  '));

  const duck = await duckdb(obs.file);
  console.log(`duckdb load: ${duck.load.toFixed(1)} s (not timed); ` +
    `compute: ${duck.s.toFixed(2)} s (cpu ${duck.cpu.toFixed(2)} s, all ` +
    `threads); ${duck.row.nd} derived, ` +
    `${duck.row.na} aggregates`);
  // The changes above went into ictdev's store only; WLD d001 in year Y0 is
  // untouched by them, so both must agree there.
  const mine = wldFromIctdev();
  console.log(`check WLD d001 ${Y0}: ictdev ${mine} duckdb ${duck.row.wld}`);
  if (Math.abs(mine - Number(duck.row.wld)) > 1e-6 * Math.abs(mine)) {
    throw new Error('ictdev and duckdb disagree');
  }
  console.log(`incremental: ${(1000 * inc).toFixed(1)} ms vs full ` +
    `${full.s.toFixed(2)} s (ratio ${(inc / full.s).toFixed(4)})`);
  console.log(`compute: ictdev ${full.s.toFixed(2)} s vs duckdb ` +
    `${duck.s.toFixed(2)} s (ratio ${(full.s / duck.s).toFixed(2)})`);
  if (!process.env.BENCH_DIR) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => { console.error(e.message); process.exit(1); });
