"""A plain, scalar re-statement of KTAB's Spatial Model of Politics, for tests.

Written loop by loop from KTAB's C++ (``smp.cpp``, ``smpbcn.cpp``, ``kmodel.cpp``), one
number at a time, with no vectorisation and no shortcuts: every perspective is evaluated the
way KTAB's ``probEduChlg`` does it, queues are resolved by an explicit election over their
bargains, and so on. It is slow (O(n^3) Python operations per turn) and meant for a handful
of actors: the vectorised engine in :mod:`detente.models.smp` must agree with it for every
combination of options.
"""

from __future__ import annotations

import math

import numpy as np


def vote(rule: str, w: float, ui: float, uj: float) -> float:
    du = ui - uj
    rbin = max(-1.0, min(1.0, du / 1e-8))
    if rule == "Binary":
        return w * rbin
    if rule == "PropBin":
        return w * ((1 - 0.2) * du + 0.2 * rbin)
    if rule == "Prop":
        return w * du
    if rule == "PropCbc":
        return w * ((1 - 0.5) * du + 0.5 * (du * du * du))
    if rule == "Cubic":
        return w * (du * du * du)
    if rule == "ASymProsp":
        if du < 0.0:
            return w * du
        if du > 0.0:
            return (2.0 * w * du) / 3.0
        return 0.0
    raise ValueError(rule)


def pair_probability(model: str, s1: float, s2: float) -> tuple[float, float]:
    if model == "Linear":
        x1, x2 = s1, s2
    elif model == "Square":
        x1, x2 = s1 * s1, s2 * s2
    elif model == "Quartic":
        x1, x2 = s1 * s1 * s1 * s1, s2 * s2 * s2 * s2
    elif model == "Octic":
        q1, q2 = s1 * s1 * s1 * s1, s2 * s2 * s2 * s2
        x1, x2 = q1 * q1, q2 * q2
    else:  # Binary
        if s1 >= 1.10 * s2:
            x1, x2 = 1.0, 1e-6
        elif s2 >= 1.10 * s1:
            x1, x2 = 1e-6, 1.0
        else:
            r = s1 / (s1 + s2)
            p = (r * (1.10 + 1.0) - 1.0) / (1.10 - 1.0)
            x1, x2 = p, 1 - p
    return x1 / (x1 + x2), x2 / (x1 + x2)


def scalar_pce(
    u: list[list[float]], w: list[float], rule: str, victory: str, model: str
) -> list[float]:
    """KTAB ``Model::scalarPCE``: u[voter][option]."""
    nv, m = len(u), len(u[0])
    c = [[0.0] * m for _ in range(m)]
    for i in range(m):
        for j in range(i):
            cij = cji = 1e-8
            for k in range(nv):
                v = vote(rule, w[k], u[k][i], u[k][j])
                if v > 0:
                    cij = cij + v
                if v < 0:
                    cji = cji - v
            c[i][j], c[j][i] = cij, cji
        c[i][i] = 1e-8
    pv = [[0.0] * m for _ in range(m)]
    for i in range(m):
        for j in range(i):
            pv[i][j], pv[j][i] = pair_probability(victory, c[i][j], c[j][i])
        pv[i][i] = 0.5
    if model == "Conditional":
        p = []
        for i in range(m):
            pi = 1.0
            for j in range(m):
                pi = pi * pv[i][j]
            p.append(pi)
        tot = 0.0
        for pi in p:
            tot = tot + pi
        return [pi / tot for pi in p]
    p = [1.0 / m] * m
    if model == "MarkovUniform":
        change = 1.0
        while change > 1e-6:
            change = 0.0
            q = []
            for i in range(m):
                acc = 0.0
                for j in range(m):
                    acc = acc + pv[i][j] * (p[i] + p[j])
                q.append(acc / m)
                change = max(change, abs(q[i] - p[i]))
            p = [(a + b) / 2.0 for a, b in zip(p, q)]
        return p
    # MarkovIncentive
    inc = [[c[i][j] * pv[i][j] + (1e-10 if i == j else 0.0) for j in range(m)] for i in range(m)]
    chlg = [[0.0] * m for _ in range(m)]
    for j in range(m):
        col = 0.0
        for k in range(m):
            col = col + inc[k][j]
        for i in range(m):
            chlg[i][j] = inc[i][j] / col
    change = 1.0
    while change > 1e-8:
        ct = [[p[i] * chlg[j][i] for j in range(m)] for i in range(m)]
        change = 0.0
        q = []
        for i in range(m):
            acc = 0.0
            for j in range(m):
                acc = acc + pv[i][j] * (ct[i][j] + ct[j][i])
            q.append(acc)
            change = max(change, abs(q[i] - p[i]))
        p = [(a + b) / 2.0 for a, b in zip(p, q)]
    return p


def distance(ideal: list[float], pos: list[float], sal: list[float]) -> float:
    num = den = 0.0
    for k in range(len(sal)):
        ds = (ideal[k] - pos[k]) * sal[k]
        num = num + ds * ds
        den = den + sal[k] * sal[k]
    return math.sqrt(num / den)


def util(d: float, r: float) -> float:
    return (1 - d) * (1 + d * r) if d <= 1 else (1 - d) * (1 + r)


def est_risk(rh: float, ri: float, adjust: str) -> float:
    return {
        "Full": ri,
        "TwoThirds": (rh + 2.0 * ri) / 3.0,
        "Half": (rh + ri) / 2,
        "OneThird": (2.0 * rh + ri) / 3.0,
        "None": rh,
    }[adjust]


def round4(x: float) -> float:
    return float(int(0.5 + x * 10000.0)) / 10000.0


class Reference:
    """The SMP on lists of floats; ``o`` holds the SMPParams field values."""

    def __init__(self, c, x, s, o: dict, accommodation=None, rng=None):
        self.c = [float(v) for v in c]
        self.s = [[float(v) for v in row] for row in s]
        self.x0 = [[float(v) for v in row] for row in x]
        self.n, self.d = len(self.c), len(self.s[0])
        self.o = o
        self.acc = accommodation
        self.rng = rng
        self.S = []
        for row in self.s:
            t = 0.0
            for v in row:
                t = t + v
            self.S.append(t)

    # one state's utilities
    def setup(self, pos, ideal):
        n, o = self.n, self.o
        D = [[distance(ideal[a], pos[m], self.s[a]) for m in range(n)] for a in range(n)]
        u0 = [[util(D[a][m], 0.0) for m in range(n)] for a in range(n)]
        p = scalar_pce(u0, self.c, o["voting_rule"], o["victory_model"], o["pce_model"])
        pmin = min([1.0] + p)
        pmax = max([0.0] + p)
        if pmax - pmin <= 0:
            R = [0.0] * n
        elif o["big_r_range"] == "Min":
            R = [(q - pmin) / (pmax - pmin) for q in p]
        elif o["big_r_range"] == "Mid":
            R = [(3 * q - (pmax + 2 * pmin)) / (2 * (pmax - pmin)) for q in p]
        else:
            R = [(2 * q - (pmax + pmin)) / (pmax - pmin) for q in p]
        U = [
            [
                [util(D[a][m], est_risk(R[h], R[a], o["big_r_adjust"])) for m in range(n)]
                for a in range(n)
            ]
            for h in range(n)
        ]
        return {"pos": pos, "ideal": ideal, "D": D, "R": R, "U": U}

    def edu(self, st, h, k, i, j):
        """KTAB probEduChlg: (phi, delta utility) of i challenging j, by h, for k."""
        o, U = self.o, st["U"][h]
        rule = o["voting_rule"]
        uii, uij, uji, ujj = U[i][i], U[i][j], U[j][i], U[j][j]
        eu_sq = U[k][i] + U[k][j]
        ukij = U[k][i] + U[k][i]
        ukji = U[k][j] + U[k][j]
        ci = vote(rule, self.S[i] * self.c[i], uii, uij)
        cj = vote(rule, self.S[j] * self.c[j], uji, ujj)
        chij = chji = 1e-10
        if ci > 0.0:
            chij = chij + ci
        if ci < 0.0:
            chji = chji - ci
        if cj > 0.0:
            chij = chij + cj
        if cj < 0.0:
            chji = chji - cj
        base_i, base_j = chij, chji
        for n_ in range(self.n):
            if n_ in (i, j):
                continue
            wn = self.S[n_] * self.c[n_]
            uni, unj, unn = U[n_][i], U[n_][j], U[n_][n_]
            v0 = vote(rule, wn, uni, unj)
            cni = base_i + v0 if v0 > 0 else base_i
            cnj = base_j - v0 if v0 < 0 else base_j
            pin = cni / (cni + cnj)
            pjn = 1.0 - pin
            commit = o["third_party_commit"]
            if commit == "FullCommit":
                a, b, cc, dd = uni + uni + uni, unj + unj + unj, uni + uni + uni, unj + unj + unj
            elif commit == "SemiCommit":
                a, b, cc, dd = uni + uni + unn, unj + unj + unj, uni + uni + uni, unj + unj + unn
            else:
                a, b, cc, dd = uni + uni + unn, unj + unj + unn, uni + uni + unn, unj + unj + unn
            vk = vote(rule, wn, pin * a + pjn * b, pin * cc + pjn * dd)
            if vk > 0:
                chij = chij + vk
            if vk < 0:
                chji = chji - vk
        phij = chij / (chij + chji)
        phji = chji / (chij + chji)
        contest = phij * ukij + phji * ukji
        chlg = (1 - self.S[j]) * ukij + self.S[j] * contest
        return phij, chlg - eu_sq

    def interp(self, i, j, xi, xj, pi, pj):
        mode = self.o["interpolation"]
        bi, bj = [], []
        for k in range(self.d):
            ti, tj, si, sj = xi[k], xj[k], self.s[i][k], self.s[j][k]
            if mode == "S2PMax":
                di = pj - pi if pj > pi else 0.0
                dj = pi - pj if pi > pj else 0.0
                si2, sj2 = si * si, sj * sj
                dik = (di * sj2) / ((di * sj2) + 1e-6 + ((1 - di) * si2))
                djk = (dj * si2) / ((dj * si2) + 1e-6 + ((1 - dj) * sj2))
                bi.append(ti + dik * (tj - ti))
                bj.append(tj + djk * (ti - tj))
                continue
            e = 2 if mode == "S2P2" else 1
            wi = (si**e) * (pi**e)
            wj = (sj**e) * (pj**e)
            bi.append(round4(((wi + 1e-6) * ti + wj * tj) / (wi + 1e-6 + wj)))
            bj.append(round4((wi * ti + (1e-6 + wj) * tj) / (wi + 1e-6 + wj)))
        return bi, bj

    def turn(self, st):
        n, o = self.n, self.o
        pos = st["pos"]
        queues = [[("sq", k, k, None, None)] for k in range(n)]
        proposals = []
        for i in range(n):
            best_j, best_p, best_v = -1, 0.0, -1.0
            for j in range(n):
                if j == i:
                    continue
                phi, v = self.edu(st, i, i, i, j)
                if 1e-5 < v and best_v < v:
                    best_j, best_p, best_v = j, phi, v
            if best_j < 0:
                continue
            j = best_j
            bi, bj = self.interp(i, j, pos[i], pos[j], best_p, 1 - best_p)
            model = o["bargain_model"]
            if model == "InitOnlyInterp":
                made = [(bi, bj, best_p)]
            else:
                pji = self.edu(st, j, i, i, j)[0]
                ci, cj = self.interp(i, j, pos[i], pos[j], pji, 1 - pji)
                if model == "InitRcvrInterp":
                    made = [(bi, bj, best_p), (ci, cj, pji)]
                else:
                    wi = self.c[i] * self.S[i]
                    wj = self.c[i] * self.S[j]
                    made = [
                        (
                            [(wi * a + wj * b) / (wi + wj) for a, b in zip(bi, ci)],
                            [(wi * a + wj * b) / (wi + wj) for a, b in zip(bj, cj)],
                            best_p,
                        )
                    ]
            for b_i, b_j, p in made:
                rec = ("bargain", i, j, b_i, b_j)
                proposals.append((i, j, best_v, p, b_i, b_j))
                queues[i].append(rec)
                queues[j].append(rec)
        draws = self.rng.random(n) if o["transitions"] == "Stochastic" else None
        new = [list(p) for p in pos]
        for k in range(n):
            q = queues[k]
            if len(q) == 1:
                continue
            u = [[self.queue_util(st, a, b) for b in q] for a in range(n)]
            p = scalar_pce(u, self.c, o["voting_rule"], o["victory_model"], o["pce_model"])
            if draws is None:
                best, pick = -1.0, 0
                for m, pm in enumerate(p):
                    if best < abs(pm):
                        best, pick = abs(pm), m
            else:
                acc, pick = 0.0, len(p) - 1
                for m, pm in enumerate(p):
                    acc += pm
                    if acc > draws[k]:
                        pick = m
                        break
            kind, i, j, b_i, b_j = q[pick]
            if kind == "bargain":
                new[k] = list(b_i if i == k else b_j)
        return new, proposals

    def queue_util(self, st, a, b):
        kind, i, j, b_i, b_j = b
        U = st["U"][a]
        total = 0.0
        if kind == "sq":
            for m in range(self.n):
                total = total + U[a][m]
        else:
            r = st["R"][a]
            total = total + util(distance(st["ideal"][a], b_i, self.s[a]), r)
            total = total + util(distance(st["ideal"][a], b_j, self.s[a]), r)
            for m in range(self.n):
                if m not in (i, j):
                    total = total + U[a][m]
        return total / self.n

    def probabilities(self, st):
        n, o, pos = self.n, self.o, st["pos"]

        def same(a, b):
            t = 0.0
            for k in range(self.d):
                t = t + (pos[a][k] - pos[b][k]) * (pos[a][k] - pos[b][k])
            return math.sqrt(t) < o["position_tolerance"]

        uniq = []
        for i in range(n):
            if not any(same(i, u) for u in uniq):
                uniq.append(i)
        U = st["U"]
        u = [[U[a][a][m] for m in uniq] for a in range(n)]
        p = scalar_pce(u, self.c, o["voting_rule"], o["victory_model"], o["pce_model"])
        out = []
        for i in range(n):
            last = max(k for k, m in enumerate(uniq) if same(i, m))
            out.append(p[last])
        return out

    def run(self):
        o = self.o
        pos = [list(r) for r in self.x0]
        ideal = [list(r) for r in self.x0]
        st = self.setup(pos, ideal)
        positions, probs, proposals = [pos], [self.probabilities(st)], []
        d01 = None
        t = 0
        while True:
            t += 1
            new, props = self.turn(st)
            proposals.append(props)
            moved = 0.0
            for a, b in zip(new, pos):
                sq = 0.0
                for k in range(self.d):
                    sq = sq + (a[k] - b[k]) * (a[k] - b[k])
                moved = moved + math.sqrt(sq)
            if t == 1:
                d01 = moved + 1e-4
            if self.acc is None:
                ideal = [list(r) for r in new]
            else:
                a = self.acc
                ideal = [
                    [
                        sum(a[i][j] * new[j][k] for j in range(self.n))
                        + (1 - min(1.0, sum(a[i]))) * ideal[i][k]
                        for k in range(self.d)
                    ]
                    for i in range(self.n)
                ]
            pos = new
            st = self.setup(pos, ideal)
            positions.append(pos)
            probs.append(self.probabilities(st))
            if t >= o["rounds"] or (t >= o["min_rounds"] and moved / d01 < o["stop_ratio"]):
                break
        return np.array(positions), np.array(probs), proposals
