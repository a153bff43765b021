"""The resident set of a process grouped by mapping (path and permissions): smaps.py PID [TOP]."""
import sys, re, collections
pid = sys.argv[1]; top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
groups = collections.defaultdict(lambda: [0, 0, 0])  # rss, pss, anon kB
cur = None
for line in open(f"/proc/{pid}/smaps"):
    if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
        parts = line.split(None, 5)
        path = parts[5].strip() if len(parts) > 5 else "[anon]"
        cur = (path, parts[1])
    else:
        k, _, v = line.partition(":")
        if k == "Rss": groups[cur][0] += int(v.split()[0])
        elif k == "Pss": groups[cur][1] += int(v.split()[0])
        elif k == "Anonymous": groups[cur][2] += int(v.split()[0])
tot = sum(g[0] for g in groups.values())
print(f"  total Rss {tot/1024:.2f} MiB over {len(groups)} path+perm groups")
for (path, perms), (rss, pss, anon) in sorted(groups.items(), key=lambda x: -x[1][0])[:top]:
    if rss == 0: break
    print(f"  {rss/1024:7.2f} MiB  anon {anon/1024:6.2f}  {perms}  {path}")
# per-library totals (file-backed)
lib = collections.defaultdict(int)
for (path, perms), (rss, pss, anon) in groups.items():
    lib[path.split('/')[-1]] += rss
print("  per-object totals (MiB): " + ", ".join(f"{k} {v/1024:.2f}" for k, v in sorted(lib.items(), key=lambda x: -x[1]) if v >= 100))
