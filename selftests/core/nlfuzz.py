#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Structure-aware fuzzer for hvkit's generic netlink families.

Requests are built from the project's own YAML specs: each one starts as a
well-typed request of a random operation (do or dump) of a random family,
with values drawn from what the kernel can resolve (real ifindexes, names,
region ids, pids) and from the edges of every range, and is then mutated:
attributes dropped, duplicated, retyped (wrong length), truncated, nested
where they are not (and not where they are), unknown types, nests of
garbage or of deep nesting, bad nla_len, unknown commands and versions,
dump flags on do-only operations.

The kernel must answer every request, with well-formed messages only:
every reply decodes against the spec (known attributes, exact scalar
sizes), every error is an NLMSG_ERROR, and every rejection of a request that
passed policy validation carries an extack message.  A violation is printed
with the seed and request number that reproduce it, and the exit status is
1.  Kernel complaints (WARN, KASAN, lockdep, ...) are caught by the guest
harness.

  nlfuzz.py --spec A.yaml --spec B.yaml -n 100000 --seed 1
"""
import argparse
import errno
import importlib.machinery
import importlib.util
import os
import random
import socket
import struct
import sys
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
_loader = importlib.machinery.SourceFileLoader(
    "ynl", os.path.join(HERE, "..", "..", "scripts", "ynl"))
_specmod = importlib.util.spec_from_loader("ynl", _loader)
ynl = importlib.util.module_from_spec(_specmod)
_loader.exec_module(ynl)

NLA_F_NESTED = 0x8000
NLMSG_ERROR, NLMSG_DONE = ynl.NLMSG_ERROR, ynl.NLMSG_DONE

U = {"u8": 8, "u16": 16, "u32": 32, "u64": 64, "s8": 8, "s16": 16, "s32": 32, "s64": 64}
# Errors the generic netlink core (not our handlers) returns without extack:
# unknown command or missing do/dump (EOPNOTSUPP), a flags check
# (uns-admin-perm / admin-perm: EPERM).
CORE_SILENT = {errno.EOPNOTSUPP, errno.EPERM}


class Violation(Exception):
    pass


class World:
    """What a request can name: objects that exist, and some that do not."""

    def __init__(self, rnd):
        self.rnd = rnd
        self.ifindexes = set()
        self.names = set()
        self.region_ids = {0, 1, 2 ** 64 - 1}
        self.pids = {0, 1, os.getpid(), 2 ** 31 - 1}
        self.refresh()

    def refresh(self):
        self.ifindexes.clear()
        self.names.clear()
        # Bytes: a fuzzed switch-new may have made a name that is not UTF-8.
        for dev in os.listdir(b"/sys/class/net"):
            try:
                with open(b"/sys/class/net/" + dev + b"/ifindex") as f:
                    self.ifindexes.add(int(f.read()))
                self.names.add(dev)
            except OSError:
                pass


def edge(rnd, bits, signed=False):
    if signed:
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        return rnd.choice([0, -1, 1, lo, hi, rnd.randint(lo, hi)])
    top = (1 << bits) - 1
    pool = [0, 1, 2, top, top - 1, 1 << (bits - 1), rnd.randint(0, top)]
    if bits >= 16:
        pool += [60, 1518, 4094, 4095, 4096, 0x8100, 0x88a8]
    if bits >= 32:
        pool += [1000, 60000, 65535, 65536, 10000000, 10000001, 600000, 131072]
    if bits >= 64:
        pool += [8000, 10 ** 12, 10 ** 12 + 1, 1 << 40]
    return rnd.choice([v for v in pool if v <= top])


class Fuzzer:
    def __init__(self, specs, seed, verbose):
        self.rnd = random.Random(seed)
        self.seed = seed
        self.verbose = verbose
        self.specs = specs
        self.world = World(self.rnd)
        self.sock = ynl.GenlSocket()
        self.sock.sock.settimeout(60)
        self.fams = {}
        for s in specs:
            self.fams[s.name] = self.sock.resolve(s.name)
        self.errors = Counter()
        self.ok = 0
        self.silent = Counter()
        self.n = 0

    # ---- well-typed values ----
    def value(self, spec, a, depth=0):
        t, name, r = a["type"], a["name"], self.rnd
        if t in U:
            if name in ("ifindex", "switch-ifindex", "port-ifindex", "dest-ifindex") \
                    and self.world.ifindexes and r.random() < 0.8:
                return struct.pack("I", r.choice(sorted(self.world.ifindexes)))
            if name == "id" and spec.name == "hvk_mem" and r.random() < 0.8:
                return struct.pack("Q", r.choice(sorted(self.world.region_ids)))
            if name == "pid" and r.random() < 0.8:
                return struct.pack("I", r.choice(sorted(self.world.pids)))
            if name == "fd":
                return struct.pack("i", r.choice([-1, 0, 1, 2, 3, 1000, -2 ** 31]))
            v = edge(r, U[t], t.startswith("s"))
            return struct.pack(ynl.SCALARS[t], v)
        if t == "string":
            pool = sorted(self.world.names) + [b"", b"hvkfz0", b"hvkfz1", b"m0", b"m1", b"dom",
                                               b"x" * 15, b"y" * 16, b"z" * 31, b"w" * 32]
            s = r.choice(pool)
            k = r.random()
            if k < 0.05:
                s = bytes(r.randrange(1, 256) for _ in range(r.randrange(1, 40)))
            elif k < 0.08:
                s = b"q" * r.choice([255, 256, 1024, 4000])
            return s + (b"\0" if r.random() < 0.95 else b"")
        if t == "flag":
            return b""
        if t == "binary":
            if a.get("display-hint") == "mac" or name.endswith("mac"):
                n = 6 if r.random() < 0.85 else r.choice([0, 5, 7, 8])
                mac = bytes(r.randrange(256) for _ in range(n))
                if n == 6 and r.random() < 0.5:
                    mac = bytes([0x02, 0, 0, 0, 0, r.randrange(4)])
                return mac
            n = r.choice([512, 512, 512, 0, 1, 511, 513, 64])
            fill = r.choice([0x00, 0xff, None])
            return bytes(fill if fill is not None else r.randrange(256) for _ in range(n))
        if t == "nest":
            return self.attrs(spec, a["nested-attributes"], None, depth + 1)
        return bytes(r.randrange(256) for _ in range(r.randrange(9)))

    def attrs(self, spec, set_name, names, depth=0):
        """A list of (type, payload, is_nest) for set_name (names: the op's request)."""
        by_name, _ = spec.sets[set_name]
        cand = [by_name[n] for n in names] if names is not None else list(by_name.values())
        cand = [a for a in cand if a["type"] != "pad"]
        out = []
        for a in cand:
            if self.rnd.random() < (0.7 if names is not None else 0.5):
                reps = self.rnd.randint(1, 4) if a.get("multi-attr") else 1
                for _ in range(reps):
                    if depth > 3 and a["type"] == "nest":
                        continue
                    out.append([a["value"], self.value(spec, a, depth), a["type"] == "nest"])
        return out

    # ---- mutation ----
    def mutate(self, spec, set_name, items):
        r = self.rnd
        _, by_val = spec.sets[set_name]
        top = max(by_val) if by_val else 1
        for _ in range(r.randint(1, 3)):
            k = r.randrange(9)
            if k == 0 and items:
                items.pop(r.randrange(len(items)))
            elif k == 1 and items:
                items.insert(r.randrange(len(items) + 1), list(r.choice(items)))
            elif k == 2 and items:
                it = r.choice(items)
                it[1] = bytes(r.randrange(256) for _ in range(r.choice([0, 1, 2, 3, 5, 7, 9, 16])))
                it[2] = False
            elif k == 3:
                items.append([r.choice([0, top + 1, top + 7, 0x3fff, r.randrange(0x4000)]),
                              bytes(r.randrange(256) for _ in range(r.randrange(12))), False])
            elif k == 4 and items:
                it = r.choice(items)
                it[2] = not it[2]
            elif k == 5:
                payload = bytes(r.randrange(256) for _ in range(r.randrange(1, 40)))
                items.append([r.randint(1, top), payload, True])
            elif k == 6:
                # Deep nesting of a nest attribute of the set (or any type).
                t = r.randint(1, top)
                p = b""
                for _ in range(r.choice([8, 32, 100])):
                    p = ynl.nla(t | NLA_F_NESTED, p)
                items.append([t, p[4:], True])
            elif k == 7 and items:
                # Nest payload replaced by a well-formed nest of the wrong set.
                it = r.choice(items)
                other = r.choice(list(spec.sets))
                it[1] = self.encode(self.attrs(spec, other, None, 3))
                it[2] = True
            else:
                r.shuffle(items)
        return items

    @staticmethod
    def encode(items):
        out = b""
        for t, payload, nest in items:
            if isinstance(payload, list):
                payload = Fuzzer.encode(payload)
            out += ynl.nla(t | (NLA_F_NESTED if nest else 0), payload)
        return out

    # ---- one request ----
    def one(self):
        r = self.rnd
        spec = r.choice(self.specs)
        op = r.choice(list(spec.ops.values()))
        modes = [m for m in ("do", "dump") if m in op]
        mode = r.choice(modes) if modes else "do"
        names = []
        if mode in op and op[mode] and "request" in op[mode]:
            names = op[mode]["request"].get("attributes", [])
        items = self.attrs(spec, op["attribute-set"], names)
        mutated = r.random() < 0.5
        if mutated:
            items = self.mutate(spec, op["attribute-set"], items)
        body = self.encode(items)
        cmd, version, flags, fam = op["value"], 1, 0, self.fams[spec.name]
        if mode == "dump":
            flags |= ynl.NLM_F_DUMP
        if mutated:
            k = r.random()
            if k < 0.05:
                cmd = r.randrange(256)
            elif k < 0.08:
                version = r.randrange(256)
            elif k < 0.12:
                flags ^= ynl.NLM_F_DUMP
            elif k < 0.18 and body:
                body = body[:r.randrange(len(body))]
            elif k < 0.22 and body:
                # An attribute length that runs past the message.
                body = struct.pack("H", len(body) + r.randint(1, 64)) + body[2:]
        return self.send(spec, op, mode, fam, cmd, version, flags, body, mutated)

    def send(self, spec, op, mode, fam, cmd, version, flags, body, mutated):
        s = self.sock
        s.seq += 1
        payload = struct.pack("BBH", cmd, version, 0) + body
        msg = struct.pack("IHHII", 16 + len(payload), fam,
                          ynl.NLM_F_REQUEST | ynl.NLM_F_ACK | flags, s.seq, 0) + payload
        s.sock.send(msg)
        what = f"{spec.name} {op['name']} {mode} cmd={cmd}"
        while True:
            try:
                data = s.sock.recv(1 << 17)
            except socket.timeout:
                raise Violation(f"{what}: no answer in 60 s")
            off = 0
            while off + 16 <= len(data):
                mlen, mtype, mflags, seq, _ = struct.unpack_from("IHHII", data, off)
                if mlen < 16 or off + mlen > len(data):
                    raise Violation(f"{what}: malformed message header")
                rep = data[off + 16:off + mlen]
                off += ynl.pad4(mlen)
                if seq != s.seq:
                    continue
                if mtype == NLMSG_ERROR:
                    code = -struct.unpack_from("i", rep)[0]
                    if code == 0:
                        self.ok += 1
                        return
                    self.errors[errno.errorcode.get(code, str(code))] += 1
                    try:
                        text = ynl.GenlSocket.extack(rep, mflags, msg, -code)
                    except ynl.NlError as e:
                        raise Violation(f"{what}: malformed error message: {e}")
                    has_msg = text != os.strerror(code)  # a message, or a missing attribute
                    if not has_msg and code not in CORE_SILENT:
                        self.silent[(what, errno.errorcode.get(code, str(code)))] += 1
                    if self.verbose:
                        print(f"# {self.n}: {what}: {text}")
                    return
                if mtype == NLMSG_DONE:
                    self.ok += 1
                    return
                if mtype != fam:
                    raise Violation(f"{what}: reply of type {mtype}")
                self.check_reply(spec, rep, what)

    def check_reply(self, spec, rep, what):
        # Decode by the reply's own command (a mutated request may name
        # another operation than the one it was built from).
        op = next((o for o in spec.ops.values() if o["value"] == rep[0]), None)
        if op is None:
            raise Violation(f"{what}: reply with unknown command {rep[0]}")
        data = rep[4:]
        try:
            d = spec.decode(op["attribute-set"], data)
        except (ynl.NlError, KeyError, struct.error) as e:
            raise Violation(f"{what}: reply does not decode: {e}")
        unknown = [k for k in d if k.startswith("unknown-")]
        if unknown:
            raise Violation(f"{what}: reply has attributes outside the spec: {unknown}")
        if "ifindex" in d and spec.name == "hvk_switch" and op["name"] == "switch-new":
            self.world.ifindexes.add(d["ifindex"])
        if spec.name == "hvk_mem" and "id" in d:
            self.world.region_ids.add(d["id"])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--spec", action="append", required=True)
    p.add_argument("-n", type=int, default=10000, help="requests")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--max-silent", type=int, default=0,
                   help="rejections without an extack message tolerated")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args()
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    specs = [ynl.Spec(s) for s in args.spec]
    fz = Fuzzer(specs, seed, args.verbose)
    t0 = time.monotonic()
    who = f"uid {os.getuid()}"
    try:
        for fz.n in range(args.n):
            fz.one()
            if fz.n % 500 == 499:
                fz.world.refresh()
    except Violation as e:
        print(f"nlfuzz: seed {seed} request {fz.n}: {e}", file=sys.stderr)
        return 1
    dt = time.monotonic() - t0
    errs = " ".join(f"{k}:{v}" for k, v in fz.errors.most_common())
    print(f"nlfuzz: {who} seed {seed}: {args.n} requests in {dt:.0f} s "
          f"({args.n / max(dt, 1e-9):.0f}/s): {fz.ok} accepted; rejected {errs}")
    silent = sum(fz.silent.values())
    for (what, code), count in fz.silent.most_common(20):
        print(f"nlfuzz: no extack message: {what}: {code} x{count}")
    if silent > args.max_silent:
        print(f"nlfuzz: {silent} rejections without an extack message", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
