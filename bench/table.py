#!/usr/bin/env python3
"""table.py - turn bench/run.sh's results into one Markdown table.

usage: table.py results.jsonl info.txt

Each cell is the median over the runs of that cell.  A cell in which any
run was INVALID (more than 1% errors) reads INVALID, never a figure; one
where no operation finished inside the window reads "none done"; a
server that could not be measured reads n/a.  Standard library only.
"""
import json
import statistics
import sys

# The operation whose latency stands for each workload.
MAIN_OP = {
    "register": "register",
    "refresh": "refresh",
    "list": "list_page",
    "listall": "list_full",
    "resolve": "resolve",
    "connect": "connect",
}
ORDER = ["register", "refresh", "list", "listall", "resolve", "mixed"]
WRITES = {"register", "refresh", "mixed"}


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    pass
    return rows


def read_info(path):
    info = {"rss": {}, "disk": {}, "disk_end": {}, "expiry": {}, "down": set(), "lines": []}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            word, _, rest = line.partition(" ")
            fields = dict(kv.split("=", 1) for kv in rest.split()[1:] if "=" in kv)
            key = rest.split()[0] if rest else ""
            if word in ("rss", "disk", "disk_end", "expiry"):
                info[word][key] = fields
            elif word == "down":
                info["down"].add(key)
            else:
                info["lines"].append(line)
    return info


def p99_of(row, workload):
    ops = row.get("ops", {})
    if workload in MAIN_OP and MAIN_OP[workload] in ops:
        return ops[MAIN_OP[workload]]["p99_ms"]
    return max((o["p99_ms"] for o in ops.values()), default=None)


def empty(run):
    """No operation finished (nor failed) inside the window: too slow to count."""
    return sum(o["ok"] + o["errors"] for o in run.get("ops", {}).values()) == 0


class Cell:
    """The runs of one (series, workload, conns, mode).

    A run that failed more than 1% makes the cell INVALID.  A run in which
    nothing finished inside the window counts as 0 operations per second.
    """

    def __init__(self):
        self.runs = []

    def add(self, row):
        self.runs.append(row)

    @property
    def invalid(self):
        return any(not r.get("valid") and not empty(r) for r in self.runs)

    def ops(self):
        if not self.runs or self.invalid:
            return None
        return statistics.median(0.0 if empty(r) else r["ops_per_s"] for r in self.runs)

    def p99(self, workload):
        vals = [p99_of(r, workload) for r in self.runs if r.get("valid")]
        vals = [v for v in vals if v is not None]
        if not vals or self.invalid:
            return None
        return statistics.median(vals)


def fmt_ops(cell):
    if cell is None or not cell.runs:
        return "n/a"
    if cell.invalid:
        return "INVALID"
    if cell.ops() == 0:
        return "none done"  # no operation finished inside the window
    return "%.0f" % cell.ops()


def fmt_ms(v):
    return "n/a" if v is None else ("%.2f" % v if v < 100 else "%.0f" % v)


def ratio(a, b, fmt="%.2fx", scale=1.0):
    if a is None or b is None or b == 0:
        return "n/a"
    return fmt % (scale * a / b)


def main():
    rows = load(sys.argv[1])
    info = read_info(sys.argv[2])
    cells = {}
    for r in rows:
        server, _, mode = r["label"].partition("/")
        key = (server, r["dialect"], r["workload"], r["conns"], mode)
        cells.setdefault(key, Cell()).add(r)

    series = []
    for s in ("ilsd", "slapd"):
        for d in ("ils", "std"):
            if any(k[0] == s and k[1] == d and k[2] in ORDER for k in cells):
                series.append((s, d))
    if not any(s == "ilsd" for s, _ in series):
        series.insert(0, ("ilsd", "ils"))
    if not any(s == "slapd" for s, _ in series):
        series.append(("slapd", "std"))
    ilsds = [sd for sd in series if sd[0] == "ilsd"]
    slapd = next(sd for sd in series if sd[0] == "slapd")
    servers = [s for s in ("ilsd", "slapd") if any(sd[0] == s for sd in series)]

    modes = []
    for k in cells:
        if k[4] not in modes and k[4] in ("sync", "nosync"):
            modes.append(k[4])
    modes.sort(key=lambda m: ("sync", "nosync").index(m))
    conns = sorted({k[3] for k in cells if k[2] in ORDER})
    connect = {c: cells.get(("acceptor", "std", "connect", c, "-")) for c in conns}

    out = []
    for line in info["lines"]:
        out.append("    " + line)
    out.append("")
    head = ["workload", "conns", "mode"]
    for s, d in series:
        head += ["%s %s ops/s" % (s, d), "%s %s p99 ms" % (s, d)]
    for s, d in ilsds:
        tag = "ilsd/slapd" if len(ilsds) == 1 else "ilsd %s/slapd" % d
        head += ["ops " + tag, "p99 " + tag]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for w in ORDER:
        for m in modes:
            if w not in WRITES and m != modes[0]:
                continue
            for c in conns:
                line = [w, str(c), m if w in WRITES else "any"]
                vals = {}
                present = False
                for s, d in series:
                    cell = cells.get((s, d, w, c, m))
                    present |= cell is not None
                    line += [fmt_ops(cell), fmt_ms(cell.p99(w) if cell else None)]
                    vals[(s, d)] = (cell.ops() if cell else None, cell.p99(w) if cell else None)
                if not present:
                    continue
                b = vals[slapd]
                for sd in ilsds:
                    a = vals[sd]
                    line += [ratio(a[0], b[0]), ratio(a[1], b[1], "%.2f")]
                out.append("| " + " | ".join(line) + " |")
    out.append("")
    out.append("mixed = 70% resolve, 20% refresh, 5% register, 5% list page; its p99 is the largest"
               " of its operations' p99s.  Reads (list, listall, resolve) are measured in the"
               " first durability mode only.")

    # One-connection flows against the bare connect-accept-close rate.
    if any(connect.values()):
        out.append("")
        out.append("Loopback connect-accept-close rate (trivial acceptor, same pinning):")
        out.append("")
        head = ["conns", "connect/s"]
        for s, d in series:
            for w in ("register", "refresh"):
                for m in modes:
                    head.append("%s %s %s %s" % (s, d, w, m))
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        for c in conns:
            base = connect.get(c)
            rate = base.ops() if base else None
            line = [str(c), fmt_ops(base)]
            for s, d in series:
                for w in ("register", "refresh"):
                    for m in modes:
                        cell = cells.get((s, d, w, c, m))
                        line.append(ratio(cell.ops() if cell else None, rate, "%.0f%%", 100.0)
                                    if rate else "n/a")
            out.append("| " + " | ".join(line) + " |")
        out.append("")
        out.append("(percentages: the server's flows per second as a share of connects per second)")

    # Memory, disk, pre-load speed.
    out.append("")
    out.append("| server | mode | preload users/s | RSS per user (bytes) | data on disk after"
               " preload (MB) | disk per user (bytes) |")
    out.append("|---|---|---|---|---|---|")
    for s in servers:
        for m in modes:
            label = "%s/%s" % (s, m)
            pre = [r for r in rows if r["label"] == label and r["workload"] == "preload"]
            rate = "n/a" if not pre else ("INVALID" if not pre[0]["valid"]
                                          else "%.0f" % pre[0]["ops_per_s"])
            rss = info["rss"].get(label)
            disk = info["disk"].get(label)
            per_user = mb = per_user_disk = "n/a"
            if rss:
                users = int(rss["users"])
                per_user = "%.0f" % ((int(rss["after_kb"]) - int(rss["base_kb"])) * 1024 / users)
                if disk:
                    mb = "%.1f" % (int(disk["kb"]) / 1024)
                    per_user_disk = "%.0f" % (int(disk["kb"]) * 1024 / users)
            if label in info["down"]:
                rate = per_user = mb = per_user_disk = "n/a (did not start)"
            if rss or pre or label in info["down"]:
                out.append("| %s | %s | %s | %s | %s | %s |" % (s, m, rate, per_user, mb,
                                                               per_user_disk))

    if info["expiry"]:
        out.append("")
        out.append("Mass expiry (std dialect, resolve at 10 connections; 'before' is the"
                   " run before the first entry expires, 'during' the watch window after):")
        out.append("")
        out.append("| server | entries | ttl s | watch s | resolve ops/s before | p99 ms before"
                   " | resolve ops/s during | p99 ms during | max ms during | entries left |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        for s in servers:
            e = info["expiry"].get(s)
            if not e:
                continue
            line = [s, e.get("entries"), e.get("ttl"), e.get("watch", "?")]
            for label, with_max in ((s + "/expiry-before", False), (s + "/expiry", True)):
                res = [r for r in rows if r["label"] == label and r["workload"] == "resolve"]
                if res:
                    o = res[-1]["ops"].get("resolve", {})
                    line.append("INVALID" if not res[-1]["valid"] else "%.0f" % res[-1]["ops_per_s"])
                    line.append(fmt_ms(o.get("p99_ms")))
                    if with_max:
                        line.append(fmt_ms(o.get("max_ms")))
                else:
                    line += ["n/a", "n/a"] + (["n/a"] if with_max else [])
            line.append(e.get("left"))
            out.append("| " + " | ".join(str(x) for x in line) + " |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
