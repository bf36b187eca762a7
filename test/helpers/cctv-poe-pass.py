#!/usr/bin/python3
"""snmpd `pass` handler for the PoE tests: serves pethPsePortDetectionStatus.1.<port> and a
per-port power draw (milliwatts) under a private OID, from a state file the test rewrites.

State file: one line per port, "<port> <status> <milliwatts>" (status 3 delivering, 4 fault).
snmpd calls: cctv-poe-pass.py STATEFILE -g OID   (GET only; GETNEXT answers nothing)
"""
import sys

STATUS = ".1.3.6.1.2.1.105.1.1.1.6.1."
POWER = ".1.3.6.1.4.1.99999.1."

state_file, mode, oid = sys.argv[1], sys.argv[2], sys.argv[3]
if mode != "-g":
    sys.exit(0)
ports = {}
with open(state_file) as f:
    for line in f:
        parts = line.split()
        if len(parts) == 3:
            ports[parts[0]] = (parts[1], parts[2])
for prefix, index, kind in ((STATUS, 0, "integer"), (POWER, 1, "gauge")):
    if oid.startswith(prefix) and oid[len(prefix):] in ports:
        print(oid)
        print(kind)
        print(ports[oid[len(prefix):]][index])
        break
