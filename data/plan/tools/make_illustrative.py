#!/usr/bin/env python3
"""Write data/plan/illustrative.json: an ILLUSTRATIVE set of outputs, expected
results, KPIs, links, technical-assistance projects and capacity-development
activities for the five ITU-D priorities of the Kigali Action Plan.

The official outputs/expected results/KPIs (WTDC-22 Final Report, sections
4.1-4.6) were not available (see reference/priorities.json). Everything this
script writes is labelled illustrative. KPI baselines are computed here from
the bundled observations (data/observations) so they are real numbers:

  * economy KPIs (economy = an ISO code): the bundled value;
  * group KPIs on a weighted-mean indicator (i99H, i271GA, ...): the
    population-weighted mean over the group's members that report a value in
    the baseline year (no imputation; compute's published aggregate may differ
    where it fills gaps or withholds for low coverage);
  * group KPIs on a median indicator (prices as % of GNI p.c.): the median over
    members reporting;
  * count_members / share_members KPIs: counted exactly over the members of
    the group in the baseline year (memberships.csv).

With MEASURED=FILE (CSV kpi,year,value, e.g. from `ictdev plan progress
--year 2022 --format csv` on a store after `ictdev init` and `ictdev
compute`), group and gap KPIs take their baseline from ictdev's own measured
value instead, so baseline and later values follow one method; see
data/plan/tools/measure-baselines.sh.

Run: python3 data/plan/tools/make_illustrative.py  (no dependencies).
"""
import csv
import json
import os
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, '..', '..'))
OBS = os.path.join(DATA, 'observations')


def load_obs():
    emap = {}
    imap = {}
    for r in csv.DictReader(open(os.path.join(DATA, 'code_map.csv'))):
        if r['kind'] == 'economy':
            emap[(r['source'], r['source_code'])] = r['target']
        elif r['kind'] == 'indicator':
            imap[(r['source'], r['source_code'])] = r['target']
    obs = {}
    for f in ('itu_core_indicators.csv', 'itu_price_baskets.csv'):
        for r in csv.DictReader(open(os.path.join(OBS, f))):
            ind = imap.get(('itu', r['itu_code']), r['itu_code'])
            eco = emap.get(('itu', r['iso3']), r['iso3'])
            obs[(ind, eco, int(r['year']))] = float(r['value'])
    for r in csv.DictReader(open(os.path.join(OBS, 'wdi_population.csv'))):
        obs[('pop', r['iso3'], int(r['year']))] = float(r['value'])
    return obs


def load_members():
    mem = {}
    for r in csv.DictReader(open(os.path.join(DATA, 'memberships.csv'))):
        mem.setdefault(r['group'], []).append(
            (r['economy'], int(r['from_year'] or 0), int(r['to_year'] or 0)))
    return mem


def load_measured():
    """Optional: KPI values measured by ictdev itself (kpi,year,value), so
    that group baselines follow compute's aggregation method exactly."""
    path = os.environ.get('MEASURED')
    out = {}
    if not path:
        return out
    for r in csv.DictReader(open(path)):
        if r['value']:
            out[(r['kpi'], int(r['year']))] = float(r['value'])
    return out


MEASURED = load_measured()
COMPUTE_HOW = ("ictdev's measured value in %d: compute's group aggregate of "
               "the bundled data (`ictdev compute` defaults: ITU method, "
               "3-year window, 50%% minimum coverage), read with `ictdev plan "
               "progress --year %d`")
OBSV = load_obs()
MEM = load_members()


def members(group, year):
    out = []
    for eco, lo, hi in MEM.get(group, []):
        if (lo == 0 or year >= lo) and (hi == 0 or year <= hi):
            out.append(eco)
    return out


def group_value(ind, group, year, rule):
    vals = []
    for eco in members(group, year):
        v = OBSV.get((ind, eco, year))
        if v is None:
            continue
        vals.append((v, OBSV.get(('pop', eco, year))))
    if not vals:
        return None, 0
    if rule == 'median':
        return round(statistics.median(v for v, _ in vals), 2), len(vals)
    num = sum(v * w for v, w in vals if w)
    den = sum(w for v, w in vals if w)
    return round(num / den, 2), len(vals)


def count_members(group, year, ind, op, thr, share=False):
    n = 0
    have = 0
    for eco in members(group, year):
        v = OBSV.get((ind, eco, year))
        if v is None:
            continue
        have += 1
        if (op == '>=' and v >= thr) or (op == '<' and v < thr) or \
           (op == '<=' and v <= thr):
            n += 1
    if share:
        return (round(100.0 * n / have, 2) if have else None), have
    return n, have


BC = 'Broadband Commission 2025 targets (strategic_plan_2024_2027.json, ' \
     'related_reference_not_ITU_SP)'
ILL = 'illustrative (no official target found; SP 2024-2027 target area ' \
      'value is null in strategic_plan_2024_2027.json)'


def kpi_group(kid, parent, name, ind, group, rule, unit, direction, by,
              tval, tyear, tsrc, links):
    val, n = group_value(ind, group, by, rule)
    how = ('%s of %s over the %d %s members reporting %s in %d, from the '
           'bundled ITU DataHub file' %
           ('median' if rule == 'median' else 'population-weighted mean',
            ind, n, group, ind, by))
    if (kid, by) in MEASURED:
        val = round(MEASURED[(kid, by)], 2)
        how = COMPUTE_HOW % (by, by)
    return dict(id=kid, kind='kpi', parent=parent, name=name, unit=unit,
                direction=direction, measure='computed', expr=ind,
                economy=group,
                baseline=dict(value=val, year=by, how=how),
                target=dict(value=tval, year=tyear, source=tsrc),
                illustrative=True, links=links)


def kpi_count(kid, parent, name, group, ind, op, thr, by, tval, tyear, tsrc,
              links, share=False):
    fn = 'share_members' if share else 'count_members'
    val, have = count_members(group, by, ind, op, thr, share)
    how = ('%s evaluated on the bundled ITU DataHub values of %d: %d %s '
           'members report %s' % (fn, by, have, group, ind))
    return dict(id=kid, kind='kpi', parent=parent, name=name,
                unit='% of members reporting' if share else 'economies',
                direction='up', measure='computed',
                expr='%s(%s, %s %s %s)' % (fn, group, ind, op, thr),
                baseline=dict(value=val, year=by, how=how),
                target=dict(value=tval, year=tyear, source=tsrc),
                illustrative=True, links=links)


def kpi_gap(kid, parent, name, ind, group, by, tval, tyear, tsrc, links):
    w, _ = group_value(ind, 'WLD', by, 'wmean')
    g, n = group_value(ind, group, by, 'wmean')
    how = ('world minus %s population-weighted means of %s in %d (members '
           'reporting, bundled ITU DataHub file; %d %s members)' %
           (group, ind, by, n, group))
    gap = round(w - g, 2)
    if (kid, by) in MEASURED:
        gap = round(MEASURED[(kid, by)], 2)
        how = COMPUTE_HOW % (by, by)
    return dict(id=kid, kind='kpi', parent=parent, name=name,
                unit='percentage points', direction='down',
                measure='computed',
                expr='%s[eco=WLD] - %s[eco=%s]' % (ind, ind, group),
                baseline=dict(value=gap, year=by, how=how),
                target=dict(value=tval, year=tyear, source=tsrc),
                illustrative=True, links=links)


def el(kind, eid, parent, name, desc, links):
    return dict(id=eid, kind=kind, parent=parent, name=name,
                description=desc, illustrative=True, links=links)


def build():
    els = []
    els += [
        el('output', 'O1.1', 'P1', 'Broadband networks extended to the '
           'unserved', 'Technical assistance, spectrum and infrastructure '
           'mapping that extend 4G/5G population coverage, with priority to '
           'LDCs, LLDCs and SIDS.',
           ['sdg:9.c', 'sdg:9.1', 'wsis:C2', 'sp:G1', 'sp:T1', 'res:WTDC-37',
            'ri:AFR1', 'q:Q5/1', 'PS3']),
        el('output', 'O1.2', 'P1', 'Entry-level broadband made affordable',
           'Price monitoring and regulatory advice against the 2% of GNI '
           'per capita affordability threshold.',
           ['sdg:9.c', 'wsis:C2', 'sp:G1', 'sp:T3', 'q:Q1/1', 'PS2']),
        el('result', 'R1.1', 'P1', 'More people covered by affordable '
           'mobile broadband', 'Expected result of P1 outputs.',
           ['sdg:9.c', 'sp:G1']),
        el('output', 'O2.1', 'P2', 'People online: Internet use grows in '
           'every group of countries', 'Digital inclusion programmes, '
           'statistics and knowledge products.',
           ['sdg:17.8', 'sdg:17.8.1', 'wsis:C2', 'wsis:C7', 'sp:G2',
            'sp:T2', 'ri:ASP1', 'q:Q2/2', 'PS2']),
        el('output', 'O2.2', 'P2', 'Fixed broadband take-up',
           'Advice on fixed networks and backhaul.',
           ['sdg:17.6', 'sdg:17.6.1', 'wsis:C2', 'sp:T4', 'PS3']),
        el('result', 'R2.1', 'P2', 'Digital transformation reaches the '
           'LDCs', 'Expected result of P2 outputs.',
           ['sdg:17.8', 'res:WTDC-30', 'sp:G2']),
        el('output', 'O3.1', 'P3', 'Regulatory frameworks reviewed and '
           'updated', 'Regulatory assessments, collaborative regulation '
           'and legislation support.',
           ['wsis:C6', 'sp:G1', 'res:PP-71', 'q:Q4/1', 'ri:CIS1', 'PS1']),
        el('output', 'O4.1', 'P4', 'Resources mobilized for projects in '
           'LDCs, LLDCs and SIDS', 'Partnerships and extra-budgetary '
           'projects.', ['sdg:17.16', 'wsis:C11', 'res:WTDC-17', 'PS5']),
        el('output', 'O5.1', 'P5', 'Digital skills and gender-inclusive '
           'use', 'Training and capacity development with attention to '
           'women and girls.',
           ['sdg:5.b', 'sdg:5.b.1', 'sdg:4.4', 'wsis:C4', 'sp:G2', 'sp:T5',
            'res:WTDC-55', 'PS4']),
        el('output', 'O5.2', 'P5', 'Cybersecurity capacity built',
           'National cybersecurity strategies and CIRTs.',
           ['wsis:C5', 'sdg:16.10', 'sp:T10', 'res:WTDC-45', 'q:Q3/2',
            'PS4']),
        el('result', 'R5.1', 'P5', 'Gender gap in Internet use closes',
           'Expected result of P5 outputs.', ['sdg:5.b', 'sp:T5']),
    ]
    els += [
        kpi_group('K01', 'O1.1', 'Population covered by at least 4G, world',
                  'i271GA', 'WLD', 'wmean', '%', 'up', 2022, 95, 2027, ILL,
                  ['sdg:9.c.1', 'sp:T1']),
        kpi_group('K02', 'O1.1', 'Population covered by at least 4G, LDCs',
                  'i271GA', 'LDC', 'wmean', '%', 'up', 2022, 80, 2027, ILL,
                  ['sdg:9.c.1', 'sp:T1']),
        kpi_count('K03', 'O1.1', 'LDCs with 4G coverage of 90% or more',
                  'LDC', 'i271GA', '>=', 90, 2022, 20, 2027, ILL,
                  ['sdg:9.c.1']),
        kpi_group('K04', 'O1.1', 'Population covered by 5G, world',
                  'i271G5_pop', 'WLD', 'wmean', '%', 'up', 2022, 60, 2027,
                  ILL, ['sdg:9.c.1']),
        kpi_count('K05', 'O1.2', 'Economies where 5 GB of mobile data '
                  'costs less than 2% of monthly GNI per capita', 'WLD',
                  'i271mb_5GB_GNI', '<', 2, 2023, 150, 2025,
                  BC + ', BC2 (2% threshold); count illustrative',
                  ['sdg:9.c', 'sp:T3']),
        kpi_group('K06', 'O1.2', 'Fixed-broadband basket price, LDC median',
                  'i154_FBB5_GNI', 'LDC', 'median', '% of monthly GNI p.c.',
                  'down', 2022, 2, 2025, BC + ', BC2', ['sp:T3']),
        kpi_count('K07', 'O1.2', 'LLDCs where 5 GB of mobile data costs '
                  'less than 2% of GNI p.c. (share of those reporting)',
                  'LLDC', 'i271mb_5GB_GNI', '<', 2, 2023, 50, 2025,
                  BC + ', BC2 (2% threshold); share illustrative',
                  ['sp:T3'], share=True),
        kpi_group('K08', 'O2.1', 'Individuals using the Internet, world',
                  'i99H', 'WLD', 'wmean', '%', 'up', 2022, 75, 2025,
                  BC + ', BC3', ['sdg:17.8.1', 'sp:T2']),
        kpi_group('K09', 'O2.1', 'Individuals using the Internet, LDCs',
                  'i99H', 'LDC', 'wmean', '%', 'up', 2022, 35, 2025,
                  BC + ', BC3', ['sdg:17.8.1', 'sp:T2']),
        kpi_gap('K10', 'R2.1', 'Internet-use gap, world minus LDCs',
                'i99H', 'LDC', 2022, 25, 2027, ILL, ['sdg:17.8.1']),
        kpi_gap('K11', 'R2.1', 'Internet-use gap, world minus LLDCs',
                'i99H', 'LLDC', 2022, 15, 2027, ILL, ['sdg:17.8.1']),
        kpi_gap('K12', 'R2.1', 'Internet-use gap, world minus SIDS',
                'i99H', 'SIDS', 2022, 0, 2027, ILL, ['sdg:17.8.1']),
        kpi_group('K13', 'O2.2', 'Fixed-broadband subscriptions per 100 '
                  'inhabitants, world', 'i992b', 'WLD', 'wmean',
                  'per 100 inhabitants', 'up', 2022, 22, 2027, ILL,
                  ['sdg:17.6.1', 'sp:T4']),
        kpi_group('K14', 'O5.1', 'Individuals owning a mobile phone, world',
                  'HH18', 'WLD', 'wmean', '%', 'up', 2022, 85, 2027, ILL,
                  ['sdg:5.b.1']),
        kpi_group('K15', 'R5.1', 'Gender parity score of Internet use, '
                  'world', 'i99H_gps', 'WLD', 'wmean', 'ratio', 'up', 2022,
                  0.98, 2025, BC + ', BC7 (gender equality; 0.98 is the '
                  'parity band used by ITU Facts and Figures, unverified)',
                  ['sdg:17.8.1', 'sdg:5.b', 'sp:T5']),
    ]
    # Reported KPIs: values entered with evidence, or fed by activities.
    els += [
        dict(id='K16', kind='kpi', parent='O3.1', name='Economies supported '
             'in reviewing their ICT regulatory framework', unit='economies',
             direction='up', measure='reported',
             baseline=dict(value=0, year=2022, how='start of the KAP '
                           'period (illustrative)'),
             target=dict(value=30, year=2025, source='illustrative'),
             illustrative=True, links=['wsis:C6', 'q:Q4/1']),
        dict(id='K17', kind='kpi', parent='O4.1', name='Extra-budgetary '
             'resources mobilized (cumulative, million USD)', unit='million '
             'USD', direction='up', measure='reported',
             baseline=dict(value=0, year=2022, how='start of the KAP '
                           'period (illustrative)'),
             target=dict(value=20, year=2025, source='illustrative'),
             illustrative=True, links=['sdg:17.16']),
        dict(id='K18', kind='kpi', parent='O5.1', name='Participants '
             'trained in digital skills (per year)', unit='persons',
             direction='up', measure='reported', feed='participants',
             baseline=dict(value=0, year=2022, how='start of the KAP '
                           'period (illustrative)'),
             target=dict(value=400, year=2025, source='illustrative'),
             illustrative=True, links=['sdg:4.4']),
        dict(id='K19', kind='kpi', parent='O5.1', name='Share of women '
             'among participants trained', unit='%', direction='up',
             measure='reported', feed='women_pct',
             baseline=dict(value=35, year=2022, how='illustrative'),
             target=dict(value=50, year=2025, source=BC + ', BC7'),
             illustrative=True, links=['sdg:5.b', 'sp:T5']),
    ]
    els += projects()
    els += activities()
    reported = [
        dict(kpi='K16', year=2023, value=9, note='Regulatory reviews '
             'completed (illustrative)', link='https://www.itu.int/'
             'en/ITU-D/Regulatory-Market/Pages/default.aspx', sha256='',
             by='illustrative', time='2024-01-15T09:00:00Z'),
        dict(kpi='K16', year=2024, value=17, note='Regulatory reviews '
             'completed (illustrative)', link='', sha256='', by='illustrative',
             time='2025-01-20T09:00:00Z'),
        dict(kpi='K17', year=2023, value=4.5, note='Signed agreements '
             '(illustrative)', link='', sha256='', by='illustrative',
             time='2024-02-01T09:00:00Z'),
        dict(kpi='K17', year=2024, value=9.1, note='Signed agreements '
             '(illustrative)', link='', sha256='', by='illustrative',
             time='2025-02-01T09:00:00Z'),
    ]
    meta = dict(
        name='Illustrative KAP results framework (ictdev)',
        illustrative=True,
        version='2026-11-28',
        note='The official outputs, expected results and KPIs of the Kigali '
        'Action Plan (WTDC-22 Final Report sections 4.1-4.6) were not found. '
        'This set is ILLUSTRATIVE: built on indicators the store holds, '
        'with baselines from the bundled data and targets from the '
        'Broadband Commission 2025 targets where one applies, else marked '
        'illustrative. Replace it with `ictdev plan load FILE`.',
        generator='data/plan/tools/make_illustrative.py')
    return dict(_meta=meta, elements=els, reported=reported)


def projects():
    def p(pid, title, ecos, partners, budget, disb, start, end, status,
          links, chain):
        return dict(id=pid, kind='project', name=title, economies=ecos,
                    partners=partners, currency='USD', budget=budget,
                    disbursements=disb, start=start, end=end, status=status,
                    illustrative=True, links=links, results=chain)
    return [
        p('TA1', 'Rural 4G coverage mapping and spectrum planning',
          ['BDI', 'MWI', 'NER', 'TCD'], ['GSMA (illustrative)'], 1200000,
          [dict(date='2023-03-01', amount=400000),
           dict(date='2024-03-01', amount=350000)],
          '2023-01-01', '2025-12-31', 'implementation',
          ['P1', 'O1.1', 'K03', 'ri:AFR1'],
          [dict(id='TA1-O1', level='output', title='Coverage maps and '
                'spectrum roadmaps delivered', indicators=[dict(
                    title='Economies with a coverage map', measure='unit',
                    baseline=dict(year=2022, value=0),
                    target=dict(year=2025, value=4),
                    actual=[dict(year=2023, value=2),
                            dict(year=2024, value=3)])]),
           dict(id='TA1-R1', level='outcome', title='4G coverage raised in '
                'beneficiary LDCs', kpi='K02', indicators=[dict(
                    title='Population covered by 4G, beneficiaries',
                    measure='percentage', kpi='K02',
                    baseline=dict(year=2022, value=35),
                    target=dict(year=2025, value=60), actual=[])])]),
        p('TA2', 'Affordable broadband: price monitoring for island states',
          ['FJI', 'VUT', 'WSM', 'TON', 'KIR'],
          ['Pacific Islands Telecommunications Association (illustrative)'],
          600000, [dict(date='2024-01-15', amount=250000)],
          '2024-01-01', '2026-06-30', 'implementation',
          ['P1', 'O1.2', 'K05', 'ri:ASP1'],
          [dict(id='TA2-O1', level='output', title='Price benchmarks '
                'published', indicators=[dict(
                    title='Benchmarks published', measure='unit',
                    baseline=dict(year=2023, value=0),
                    target=dict(year=2026, value=5),
                    actual=[dict(year=2024, value=3)])])]),
        p('TA3', 'Cybersecurity readiness: national CIRTs',
          ['KGZ', 'TJK', 'UZB'], ['Regional CIRT network (illustrative)'],
          800000, [dict(date='2023-06-01', amount=300000),
                   dict(date='2024-06-01', amount=300000)],
          '2023-01-01', '2025-12-31', 'implementation',
          ['P5', 'O5.2', 'ri:CIS1'],
          [dict(id='TA3-O1', level='output', title='CIRTs established',
                indicators=[dict(
                    title='Operational CIRTs', measure='unit',
                    baseline=dict(year=2022, value=0),
                    target=dict(year=2025, value=3),
                    actual=[dict(year=2024, value=1)])])]),
    ]


def activities():
    def a(aid, title, year, date, parts, links):
        return dict(id=aid, kind='activity', name=title, year=year,
                    date=date, participants=parts, illustrative=True,
                    links=links)
    return [
        a('CD1', 'Digital skills for public authorities (regional training)',
          2023, '2023-05-10',
          [dict(economy='RWA', female=14, male=16),
           dict(economy='KEN', female=11, male=9),
           dict(economy='ETH', female=8, male=12)], ['O5.1', 'K18', 'K19']),
        a('CD2', 'Women in ICT leadership workshop', 2024, '2024-03-08',
          [dict(economy='BGD', female=40, male=5),
           dict(economy='NPL', female=32, male=3),
           dict(economy='KHM', female=28, male=4)], ['O5.1', 'K18', 'K19']),
        a('CD3', 'Regulatory economics course', 2024, '2024-09-16',
          [dict(economy='SEN', female=18, male=22),
           dict(economy='CIV', female=15, male=25),
           dict(economy='MLI', female=9, male=21)], ['O3.1', 'K18', 'K19']),
    ]


if __name__ == '__main__':
    out = os.path.join(HERE, '..', 'illustrative.json')
    doc = build()
    with open(out, 'w') as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write('\n')
    for e in doc['elements']:
        if e['kind'] == 'kpi':
            print(e['id'], e.get('expr', e.get('measure')), e.get('economy',
                  ''), e['baseline']['value'], e['baseline']['year'], '->',
                  e['target']['value'], e['target']['year'])
