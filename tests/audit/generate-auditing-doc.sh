#!/bin/bash
# Regenerates docs/auditing.md: every block of output in it is produced by running the CLI on a fresh demo store.
#   npm run build && bash tests/audit/generate-auditing-doc.sh > docs/auditing.md
# FT overrides the command (default: node bin/fundtrail.js of this repository).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FT=${FT:-"node $ROOT/bin/fundtrail.js"}
ft() { $FT "$@"; }
export FUNDTRAIL_DATA_DIR=$(mktemp -d)
F=hohhot-2022-industrial
W=$(mktemp -d)
cd $W
out() { echo '```console'; echo "\$ fundtrail $*"; ft "$@" 2>/dev/null > $W/o; code=$?; if [ -n "${LINES_MAX:-}" ] && [ $(wc -l < $W/o) -gt $LINES_MAX ]; then head -n $LINES_MAX $W/o; echo "… ($(( $(wc -l < $W/o) - LINES_MAX )) more lines)"; else cat $W/o; fi; echo "(exit code $code)"; echo '```'; }
ft demo load >/dev/null 2>&1
D=$(ft verify --json 2>/dev/null | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).digest))")
cat <<'EOF'
# Auditing with Fundtrail 审计工具

Everything below answers from the events alone (the hash-chained log), except the county league table, which
reads the projections so that it agrees with the execution and dwell views. Every command prints a table for
people, `--json` for scripts, and `--out file.xlsx` or `--out file.csv` for a file to take away; every one is
also an HTTP endpoint under `/api/audit` (OpenAPI at `/docs`), readable by the roles admin, city finance,
auditor and supervisor (`funds:events:read`); `?format=xlsx|csv` returns the file. The auditor role reads and
replays everything and writes nothing: importing needs `funds:appropriate`.

The outputs are real: `bash tests/audit/generate-auditing-doc.sh > docs/auditing.md` (after `npm run build`) regenerates this page from the demo
fund (呼和浩特市2022年工业高质量发展专项资金, `fundtrail demo load`). Long outputs are cut where marked.

| question | command | API |
| --- | --- | --- |
| what happened, step by step, with balances | `fundtrail replay <fund> [--holder --county --project --from --to]` | `GET /api/audit/funds/:fundId/replay` |
| where was the money on a date / at a log position | `fundtrail replay <fund> --as-of <date>` / `--at-position <n>` | `GET /api/audit/funds/:fundId/state?asOf=&atPosition=` |
| what moved and what stayed between two dates | `fundtrail replay <fund> --diff <from>..<to>` | `GET /api/audit/funds/:fundId/difference?from=&to=` |
| was the history altered | `fundtrail verify [--fund <fund>] [--digest <d>]` | `GET /api/audit/verify?fundId=&digest=` |
| do the reported figures hold | `fundtrail reconcile <fund> --budget --allocated --spent --rate [--unit wan\|yuan]` | `POST /api/audit/funds/:fundId/reconciliation` |
| was anyone awarded twice | `fundtrail duplicates` | `GET /api/audit/duplicates` |
| what did one enterprise get, over the years | `fundtrail enterprise <id\|credit code\|name>` | `GET /api/audit/enterprises/:query` |
| which counties do well, which hold money | `fundtrail league <fund> [--as-of] [--by execution\|dwell\|overdue]` | `GET /api/audit/funds/:fundId/league` |
| a file of any of these | `fundtrail export <report> <args> --out x.xlsx` | `?format=xlsx\|csv` |
| bring in an existing 台账 | `fundtrail import <file> [--dry-run]`, `fundtrail import --template t.xlsx` | `POST /api/audit/imports`, `GET /api/audit/import-template` |

## 1. Replay 回放

A fund's history, one event per line, with the balance before → after at every place the event touched (the
places are those of `movementsOf`: holders, money in transit per transfer, the unallocated budget). Filters choose
which events are shown, never the balances: these are always the running balances of the whole history.
Balances are in 万元 in the table; the XLSX has a second sheet with every balance change in 元.

The month 正耐电气's second award was paid, in 赛罕区 (150105): note the payout entered twice and its reversal (冲正).

EOF
LINES_MAX= out replay $F --county 150105 --from 2022-11-01 --to 2022-11-30
cat <<'EOF'

### State as of a date or a log position 时点状态

`--as-of` applies the events whose business date is on or before the date (the date on the document, not when it
was typed in); `--at-position` the events up to a position of the log, which is how to see exactly what the
ledger showed at some moment. Both check conservation (every place adds up to the budget).

EOF
LINES_MAX=16 out replay $F --as-of 2022-12-31
cat <<'EOF'

### What moved and what stayed 期间变动

For each place: opening balance, money in, money out, closing balance, and what **stayed** — the opening balance
less everything that left, i.e. money that did not move for the whole period. In 2023 和林格尔县财政局 kept
1,941.31万元 that it held on 1 January untouched all year.

EOF
LINES_MAX=14 out replay $F --diff 2022-12-31..2023-12-31
cat <<'EOF'

## 2. Tamper evidence 防篡改

Every event's hash covers the previous hash of its stream and the event's content (actor, dates, document,
amounts). `verify` reads the whole log in global order and checks, for every stream: versions without gaps and in
order, each link, each hash. The first bad event is named (position, stream, version, type, id) with what is wrong:
`content-changed` (an edited row), `missing-before` (a deleted or moved row), `out-of-order` (reordered rows),
`link-broken`. Exit code 1 when anything is wrong.

It also prints a **digest**: `ft1:<scope>:<position>:<count>:<sha256>`, a running hash over the events in global
order (the hash of each recomputed from its content), up to the position it names. File it in the audit report.

EOF
out verify
echo; echo "One fund only (its own stream; registering holders or other funds' events do not change it):"; echo
out verify --fund $F
cat <<'EOF'

Later, `--digest` recomputes the running hash up to the filed position. Equal means every event up to there is
still there, unchanged, in the same order; what came after is growth, and its chains must continue from the filed
history. This catches what no chain can: a stream cut short at its end, or events of two streams swapped.
Here 13 events were added since (the import template below) and the filed history holds:

EOF
ft import --template t.xlsx >/dev/null 2>&1; ft import t.xlsx >/dev/null 2>&1
out verify --digest "$D"
cat <<'EOF'

And after someone edits one payout's amount directly in the database file (`UPDATE events SET data =
json_set(data, '$.amountFen', 60000000) WHERE position = 200`):

EOF
node -e "const D=require('$ROOT/node_modules/better-sqlite3');const d=new D(process.env.FUNDTRAIL_DATA_DIR+'/events.db');d.prepare(\"UPDATE events SET data = json_set(data, '\$.amountFen', 60000000) WHERE position = 200\").run()"
out verify --digest "$D"
node -e "const D=require('$ROOT/node_modules/better-sqlite3');const d=new D(process.env.FUNDTRAIL_DATA_DIR+'/events.db');d.prepare(\"UPDATE events SET data = json_set(data, '\$.amountFen', 30000000) WHERE position = 200\").run()"
cat <<'EOF'

(`fundtrail verify --read-models` runs the projections' own check instead: it rebuilds the read models into a
shadow copy and compares them with the live ones.)

## 3. Reconciliation 对账

Enter the figures an organisation reported (in 万元 by default, `--unit yuan` for 元) and get each set against the
ledger; for the execution rate, every usual formula (paid to enterprises ÷ budget, ÷ allocated, ÷ budget less what
was swept to the pool, ÷ what the city sent down; also the reported spending over the same bases) is computed, and
the one that reproduces the printed rate is named — or the statement that none does, with the interval the base
would have to lie in. `--demo-report` enters the figures of the demo fund's evaluation report: the budget, the
allocations and the spending agree with the ledger to the 万元, but its 18.09% cannot be reproduced from its own
figures (15.67% of the budget, 17.82% of what was allocated).

EOF
out reconcile $F --demo-report
cat <<'EOF'

Any report: `fundtrail reconcile <fund> --budget 15000 --allocated 13195.35 --spent 2351.02 --rate 18.09 --source "…"`;
API: `POST /api/audit/funds/:fundId/reconciliation` with `{ "budget": "15000", "spent": "2351.02", "executionRate": "18.09" }`.

## 4. Duplicate awards 重复奖补

Across all funds and channels: one enterprise, by its unified social credit code, awarded more than once in the same
support direction (支持方向) and fiscal year; the channel is the allocation document its money came through (else the
document it was approved under) and the paying unit. Cancelled projects are not awards. Also the same project
funded twice: registered twice (same enterprise, same name, in one fund or several) or paid the same amount twice
beyond what was approved or with one payment reversed as a duplicate. The most serious come first: every award paid,
through different channels — the 正耐电气 case of the report. The ledger also finds a second enterprise with two
工业互联网 awards through 28号 and the 专班 (one not yet paid), and the payout entered twice and reversed.

EOF
out duplicates
cat <<'EOF'

## 5. Enterprise history 企业受奖补历史

Every project an enterprise was approved for (the ledger records a project when it is approved: rejected
applications are not in it), every payout, reversal, clawback and return, progress closing and cancellation,
across funds and years. Find it by holder id, credit code, or any unique part of its name.

EOF
out enterprise 正耐电气
cat <<'EOF'

## 6. County league table 旗县区排名

Counties ranked three ways, as of any date or log position, from the projections (so the numbers agree with
`fundtrail execution` and `fundtrail dwell`): execution rate (paid to the county's enterprises ÷ money sent into the
county), median dwell time (amount-weighted median of the days money sat at the county's finance bureau,
departments and parks before moving on, FIFO) and overdue money (held at the cut for more than 30 days, the alert
policy's default limit). Rank 1 is best in each column; `--by dwell` or `--by overdue` orders by that column.

EOF
out league $F --as-of 2023-12-31
cat <<'EOF'

## 7. Export 导出

Every report above takes `--out <file.xlsx|file.csv>`; `fundtrail export <report> <arguments> --out <file>` is the
same thing spelled as one command. XLSX files have Chinese headers, a caption with the scope and formula, frozen
header rows, and amounts as numbers in 元 with the number format `#,##0.00"元"` (so they sum in Excel); CSV files are
UTF-8 with a byte-order mark, so Excel opens the Chinese correctly, with amounts as plain decimals of 元.

EOF
out export replay $F --out replay.xlsx
echo; echo "(the file written: $(stat -c %s replay.xlsx) bytes, two sheets: 回放 replay and 余额变动 balances)"
cat <<'EOF'

## 8. Import of existing ledgers 台账导入

The template and its columns are described in [import-template.md](import-template.md);
`fundtrail import --template 台账模板.xlsx` writes it (with example rows; `--no-examples` for the headers only).
Every row is checked on its own (operation, required fields, amounts, dates, ids, credit codes), then all rows
together in order against the ledger as it is (a dry run of the ledger's own deciders: balances, allocations,
projects, duplicate ids). If any row fails, nothing is written and every failure is listed with its row number.
Only then are the rows appended. Re-importing the same file changes nothing; a longer version of the file adds only
its new rows. Progress is shown on the terminal for large files (rows checked, commands appended, rate, ETA).

A file with three bad rows (an impossible date, three decimals, and a transfer larger than what 武川县财政局 holds):

EOF
printf '操作 op,资金编号 fund,业务日期 date,编号 id,金额（元） amount,拨出单位 from,接收单位 to\n拨付,hohhot-2022-industrial,2024-02-30,t-9001,100.00,hhht-finance,cf-150105\n拨付,hohhot-2022-industrial,2024-03-01,t-9002,100.005,hhht-finance,cf-150105\n拨付,hohhot-2022-industrial,2024-03-01,t-9003,99999999.00,cf-150125,cf-150105\n' > $W/bad.csv
cp $W/bad.csv 台账-有误.csv
out import 台账-有误.csv
echo; echo "The template's own example rows, imported twice:"; echo
D2=$(mktemp -d); MAIN=$FUNDTRAIL_DATA_DIR; export FUNDTRAIL_DATA_DIR=$D2
out import --template 台账模板.xlsx
echo
out import 台账模板.xlsx
echo
out import 台账模板.xlsx
export FUNDTRAIL_DATA_DIR=$MAIN
cat <<'EOF'

Over HTTP: `POST /api/audit/imports` with `{ "filename": "台账.xlsx", "contentBase64": "…", "dryRun": false }`
answers 201 (written), 200 (nothing new) or 422 (the error report; nothing written); the importing user is the actor
of every event. The store has no transaction across streams: if a concurrent writer makes a row fail while the
rows are being appended (after the dry run passed), the rows before it stay, and running the import again resumes
after them.
EOF
cd /; rm -rf "$W" "$FUNDTRAIL_DATA_DIR" "$D2"
