"""The compiled inner loops of the cost search: one move with exact rerouting, one bound.

Both are plain Python functions compiled by :func:`siting.jit.compiled` and never
run as Python. They take flat arrays only (see :mod:`siting.search.local` and
:mod:`siting.search.bound` for what each array holds).
"""

from __future__ import annotations

from typing import Any

import numpy as np

EPS = 1e-9


def try_move(
    a_ptr: Any,
    a_pairs: Any,
    s_ptr: Any,
    s_pairs: Any,
    pair_area: Any,
    pair_site: Any,
    req: Any,
    base_cap: Any,
    existing: Any,
    opt_slots: Any,
    opt_row: Any,
    opt_aff: Any,
    ext_aff: Any,
    site_opt: Any,
    site_ext: Any,
    x: Any,
    load: Any,
    served: Any,
    cap: Any,
    demo_count: Any,
    demo_need: Any,
    scal: Any,
    m_site: Any,
    m_opt: Any,
    m_ext: Any,
    area_mark: Any,
    site_mark: Any,
    area_par: Any,
    site_par: Any,
    queue: Any,
    log_p: Any,
    log_v: Any,
) -> bool:  # pragma: no cover - compiled; tested through CostSearch
    """Apply a move (new option and extra slots at a few sites), reroute demand, keep or undo.

    ``scal`` holds ``[demonstration weight, shortfall cap, affordable row lower bound,
    affordable activity (updated), search stamp (updated), total unserved (updated)]``.
    Capacity is raised first, then sites over their new capacity give up flow, and
    augmenting paths (breadth-first from every area short of its slots) reroute it
    until the shortfall objective (weighted missing demonstration facilities + unserved
    slots + missing affordable slots) is within its cap. When it cannot be, every change
    is undone and the move is refused.
    """

    def put(j: int, k: int, e: float) -> None:
        # site j to option k (or none, -1) and e extra slots: its demonstration count,
        # affordable activity and capacity follow
        was = site_opt[j]
        if was >= 0:
            if opt_row[was] >= 0:
                demo_count[opt_row[was]] -= 1
            scal[3] -= opt_aff[was]
        scal[3] -= ext_aff[j] * site_ext[j]
        if k >= 0:
            if opt_row[k] >= 0:
                demo_count[opt_row[k]] += 1
            scal[3] += opt_aff[k]
        scal[3] += ext_aff[j] * e
        site_opt[j] = k
        site_ext[j] = e
        c = 0.0
        if k >= 0:
            c = opt_slots[k]
        if existing[j] or k >= 0:
            c += base_cap[j] + e
        cap[j] = c

    n_areas = len(req)
    n_move = len(m_site)
    old_opt = np.empty(n_move, dtype=np.int64)
    old_ext = np.empty(n_move)
    n_log = 0
    log_cap = len(log_p)
    # 1. the new states
    for m in range(n_move):
        old_opt[m] = site_opt[m_site[m]]
        old_ext[m] = site_ext[m_site[m]]
        put(m_site[m], m_opt[m], m_ext[m])
    # 2. sites over capacity give up flow
    for m in range(n_move):
        j = m_site[m]
        if load[j] <= cap[j] + EPS:
            continue
        for t in range(s_ptr[j], s_ptr[j + 1]):
            p = s_pairs[t]
            if x[p] <= 0.0:
                continue
            amount = min(x[p], load[j] - cap[j])
            log_p[n_log] = p
            log_v[n_log] = x[p]
            n_log += 1
            x[p] -= amount
            load[j] -= amount
            served[pair_area[p]] -= amount
            scal[5] += amount
            if load[j] <= cap[j] + EPS:
                break
    # 3. reroute until the shortfall fits
    demo_short = 0.0
    for r in range(len(demo_need)):
        demo_short += max(demo_need[r] - demo_count[r], 0.0)
    afford_short = max(scal[2] - scal[3], 0.0)
    allowed = scal[1] - scal[0] * demo_short - afford_short
    while scal[5] > allowed + 1e-7:
        scal[4] += 1.0
        stamp = scal[4]
        head = 0
        tail = 0
        for i in range(n_areas):
            if req[i] - served[i] > EPS and a_ptr[i + 1] > a_ptr[i]:
                area_mark[i] = stamp
                area_par[i] = -1
                queue[tail] = i
                tail += 1
        end = -1
        while head < tail and end < 0:
            a = queue[head]
            head += 1
            for t in range(a_ptr[a], a_ptr[a + 1]):
                p = a_pairs[t]
                j = pair_site[p]
                if site_mark[j] == stamp or req[a] - x[p] <= EPS or cap[j] <= EPS:
                    continue
                site_mark[j] = stamp
                site_par[j] = p
                if cap[j] - load[j] > EPS:
                    end = j
                    break
                for u in range(s_ptr[j], s_ptr[j + 1]):
                    q = s_pairs[u]
                    i2 = pair_area[q]
                    if x[q] > EPS and area_mark[i2] != stamp:
                        area_mark[i2] = stamp
                        area_par[i2] = q
                        queue[tail] = i2
                        tail += 1
        if end < 0:
            break
        # the bottleneck
        amount = cap[end] - load[end]
        steps = 0
        j = end
        while True:
            steps += 1
            p = site_par[j]
            a = pair_area[p]
            amount = min(amount, req[a] - x[p])
            q = area_par[a]
            if q < 0:
                amount = min(amount, req[a] - served[a])
                break
            amount = min(amount, x[q])
            j = pair_site[q]
        if amount <= EPS or n_log + 2 * steps > log_cap:
            break
        # push it
        load[end] += amount
        j = end
        while True:
            p = site_par[j]
            a = pair_area[p]
            log_p[n_log] = p
            log_v[n_log] = x[p]
            n_log += 1
            x[p] += amount
            q = area_par[a]
            if q < 0:
                served[a] += amount
                scal[5] -= amount
                break
            log_p[n_log] = q
            log_v[n_log] = x[q]
            n_log += 1
            x[q] -= amount
            j = pair_site[q]
    if scal[5] <= allowed + 1e-7:
        return True
    # 4. undo
    for t in range(n_log - 1, -1, -1):
        p = log_p[t]
        delta = log_v[t] - x[p]
        x[p] = log_v[t]
        load[pair_site[p]] += delta
        served[pair_area[p]] += delta
        scal[5] -= delta
    for m in range(n_move - 1, -1, -1):
        put(m_site[m], old_opt[m], old_ext[m])
    return False


def lagrange_eval(
    lam: Any,
    s_ptr: Any,
    s_pairs: Any,
    pair_area: Any,
    req: Any,
    base_cap: Any,
    existing: Any,
    o_ptr: Any,
    o_list: Any,
    opt_slots: Any,
    opt_cost: Any,
    opt_row: Any,
    ext_max: Any,
    ext_cost: Any,
    site_row: Any,
    demo_need: Any,
    enforce_demo: bool,
    relaxed: Any,
    s_budget: float,
    grad: Any,
    site_opt: Any,
    site_ext: Any,
) -> float:  # pragma: no cover - compiled; tested through lagrangian_bound
    """The Lagrangian function of the cost stage at ``lam`` (demand rows relaxed).

    Each site chooses its option and extra slots, and fills that capacity with the
    demand of the highest ``lam`` it reaches (a fractional knapsack, exact); the
    unserved slots allowed by the shortfall cap go where ``lam`` is highest; each
    district that needs demonstration facilities gets them at the sites where they
    cost the least extra (``enforce_demo``). ``relaxed`` marks the demand rows in the
    relaxation (rows of items no site reaches stay, with their slots unserved).
    Writes the subgradient into ``grad`` and the chosen option / extra slots of each
    site into ``site_opt`` / ``site_ext``; returns the value.
    """

    def fill(lam_s: Any, req_s: Any, n: int, capacity: float) -> float:
        # the most sum(lam x) with sum(x) <= capacity, 0 <= x <= req (sorted by lam)
        value = 0.0
        left = capacity
        for t in range(n):
            if left <= 0.0 or lam_s[t] <= 0.0:
                break
            take = min(req_s[t], left)
            value += lam_s[t] * take
            left -= take
        return value

    n_sites = len(base_cap)
    n_rows = len(demo_need)
    total = 0.0
    for i in range(len(req)):
        if relaxed[i]:
            total += lam[i] * req[i]
            grad[i] = req[i]
        else:
            grad[i] = 0.0
    best_v = np.zeros(n_sites)
    demo_v = np.full(n_sites, np.inf)
    demo_k = np.full(n_sites, -1, dtype=np.int64)
    best_cap = np.zeros(n_sites)
    demo_cap = np.zeros(n_sites)
    demo_e = np.zeros(n_sites)
    for j in range(n_sites):
        lo, hi = s_ptr[j], s_ptr[j + 1]
        n = hi - lo
        lam_j = np.empty(n)
        req_j = np.empty(n)
        for t in range(n):
            a = pair_area[s_pairs[lo + t]]
            lam_j[t] = lam[a] if relaxed[a] else 0.0
            req_j[t] = req[a]
        order = np.argsort(-lam_j)
        lam_s = lam_j[order]
        req_s = req_j[order]
        # closed (an existing facility keeps its own slots and may expand)
        v_best = 0.0
        k_best = -1
        e_best = 0.0
        c_best = 0.0
        if existing[j]:
            v_best = -fill(lam_s, req_s, n, base_cap[j])
            c_best = base_cap[j]
            for e in range(1, int(ext_max[j]) + 1):
                v = ext_cost[j] * e - fill(lam_s, req_s, n, base_cap[j] + e)
                if v < v_best:
                    v_best, e_best, c_best = v, float(e), base_cap[j] + e
        for t in range(o_ptr[j], o_ptr[j + 1]):
            k = o_list[t]
            e_top = int(ext_max[j])
            for e in range(0, e_top + 1):
                c = opt_slots[k] + base_cap[j] + e
                v = opt_cost[k] + ext_cost[j] * e - fill(lam_s, req_s, n, c)
                if v < v_best:
                    v_best, k_best, e_best, c_best = v, k, float(e), c
                if opt_row[k] >= 0 and v < demo_v[j]:
                    demo_v[j] = v
                    demo_k[j] = k
                    demo_cap[j] = c
                    demo_e[j] = float(e)
        best_v[j] = v_best
        site_opt[j] = k_best
        site_ext[j] = e_best
        best_cap[j] = c_best
    # demonstration facilities per district
    if enforce_demo:
        for r in range(n_rows):
            have = 0
            for j in range(n_sites):
                if site_row[j] == r and site_opt[j] >= 0 and opt_row[site_opt[j]] == r:
                    have += 1
            need = int(demo_need[r] + 0.5) - have
            while need > 0:
                pick = -1
                extra = np.inf
                for j in range(n_sites):
                    if site_row[j] != r or demo_k[j] < 0:
                        continue
                    if site_opt[j] >= 0 and opt_row[site_opt[j]] == r:
                        continue
                    if demo_v[j] - best_v[j] < extra:
                        extra = demo_v[j] - best_v[j]
                        pick = j
                if pick < 0:
                    total += 1e30  # cannot be met: no bound from this relaxation
                    break
                best_v[pick] = demo_v[pick]
                site_opt[pick] = demo_k[pick]
                site_ext[pick] = demo_e[pick]
                best_cap[pick] = demo_cap[pick]
                need -= 1
    # the fill of each chosen capacity, for the subgradient
    for j in range(n_sites):
        total += best_v[j]
        lo, hi = s_ptr[j], s_ptr[j + 1]
        n = hi - lo
        if n == 0 or best_cap[j] <= 0.0:
            continue
        lam_j = np.empty(n)
        for t in range(n):
            a = pair_area[s_pairs[lo + t]]
            lam_j[t] = lam[a] if relaxed[a] else 0.0
        order = np.argsort(-lam_j)
        left = best_cap[j]
        for t in range(n):
            a = pair_area[s_pairs[lo + order[t]]]
            if left <= 0.0 or lam_j[order[t]] <= 0.0:
                break
            take = min(req[a], left)
            grad[a] -= take
            left -= take
    # unserved slots where lam is highest, within the cap
    order = np.argsort(-lam)
    left = s_budget
    for t in range(len(order)):
        i = order[t]
        if left <= 0.0 or lam[i] <= 0.0:
            break
        if not relaxed[i]:
            continue
        take = min(req[i], left)
        total -= lam[i] * take
        grad[i] -= take
        left -= take
    return total
