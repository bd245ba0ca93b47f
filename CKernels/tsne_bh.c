// Barnes-Hut repulsive forces for 2-D t-SNE (van der Maaten 2014): a quadtree over the embedding, built
// serially into caller-provided nodes, then traversed per point in parallel. Each point's force and its
// share of Z are written by one thread; Z is summed in index order, so results do not depend on threads.
#include "include/ck_tsne.h"
#include "ck_internal.h"

#include <math.h>

/// Deeper cells than this keep all their points in one leaf (near-duplicates would otherwise recurse
/// until the cell side underflows).
#define BH_MAX_DEPTH 48
/// Traversal stack: at most 3 pending siblings per level plus the root.
#define BH_STACK (4 * BH_MAX_DEPTH + 8)

/// Child index (0..3) of the cell centred at (cx, cy) that holds (x, y); ties go to the upper side.
static inline int quadrant(double cx, double cy, double x, double y) {
    return (x >= cx) + 2 * (y >= cy);
}

static void init_node(ck_tsne_node *nd, double cx, double cy, double half) {
    nd->com_x = nd->com_y = 0.0;  // running sums during the build, centres of mass afterwards
    nd->center_x = cx;
    nd->center_y = cy;
    nd->half = half;
    nd->count = 0;
    nd->first_child = -1;
    nd->point = -1;
}

/// Splits leaf `node` into four children starting at `first`; its old points (count - 1 of them, the new
/// one is already in the sums) move to the child that holds them. Returns the nodes used.
static int64_t split_leaf(ck_tsne_node *nodes, int64_t node, int64_t first, const double *y, double x_new, double y_new) {
    ck_tsne_node *nd = &nodes[node];
    const double h = 0.5 * nd->half;
    for (int c = 0; c < 4; c++)
        init_node(&nodes[first + c], nd->center_x + ((c & 1) ? h : -h), nd->center_y + ((c & 2) ? h : -h), h);
    const int32_t old = nd->point;
    ck_tsne_node *moved = &nodes[first + quadrant(nd->center_x, nd->center_y, y[2 * old], y[2 * old + 1])];
    moved->count = nd->count - 1;
    moved->com_x = nd->com_x - x_new;
    moved->com_y = nd->com_y - y_new;
    moved->point = old;
    nd->first_child = (int32_t)first;
    nd->point = -1;
    return 4;
}

int64_t ck_tsne_bh_build(ck_tsne_node *nodes, int64_t capacity, const double *y, int64_t n) {
    if (capacity < 1) return -1;
    double lo_x = INFINITY, lo_y = INFINITY, hi_x = -INFINITY, hi_y = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        lo_x = fmin(lo_x, y[2 * i]); hi_x = fmax(hi_x, y[2 * i]);
        lo_y = fmin(lo_y, y[2 * i + 1]); hi_y = fmax(hi_y, y[2 * i + 1]);
    }
    const double side = fmax(fmax(hi_x - lo_x, hi_y - lo_y), 1e-12);
    init_node(&nodes[0], 0.5 * (lo_x + hi_x), 0.5 * (lo_y + hi_y), 0.5 * side * (1.0 + 1e-9) + 1e-12);
    int64_t used = 1;
    for (int64_t i = 0; i < n; i++) {
        const double px = y[2 * i], py = y[2 * i + 1];
        int64_t node = 0;
        for (int depth = 0;; depth++) {
            ck_tsne_node *nd = &nodes[node];
            nd->count++;
            nd->com_x += px;
            nd->com_y += py;
            if (nd->first_child >= 0) {  // internal: descend
                node = nd->first_child + quadrant(nd->center_x, nd->center_y, px, py);
                continue;
            }
            if (nd->count == 1) { nd->point = (int32_t)i; break; }  // empty leaf
            const int32_t old = nd->point;
            if (depth >= BH_MAX_DEPTH || (y[2 * old] == px && y[2 * old + 1] == py)) break;  // shared leaf
            if (used + 4 > capacity) return -1;
            used += split_leaf(nodes, node, used, y, px, py);
            node = nd->first_child + quadrant(nd->center_x, nd->center_y, px, py);
        }
    }
    for (int64_t m = 0; m < used; m++) {
        ck_tsne_node *nd = &nodes[m];
        if (nd->count > 0) { nd->com_x /= (double)nd->count; nd->com_y /= (double)nd->count; }
    }
    return used;
}

/// Force and Z share of point i. A cell on i's own path (holding y_i) is never summarised, and i itself is
/// left out of its leaf's count.
static void bh_point(double *rep, double *row_z, const ck_tsne_node *nodes, double xi, double yi, double theta2) {
    int32_t stack[BH_STACK];
    unsigned char on_path[BH_STACK];
    int top = 0;
    stack[top] = 0;
    on_path[top++] = 1;
    double fx = 0.0, fy = 0.0, z = 0.0;
    while (top > 0) {
        top--;
        const ck_tsne_node *nd = &nodes[stack[top]];
        const int mine = on_path[top];
        if (nd->count == 0) continue;
        const double dx = xi - nd->com_x, dy = yi - nd->com_y, d2 = dx * dx + dy * dy;
        const double side = 2.0 * nd->half;
        if (nd->first_child < 0 || (!mine && side * side < theta2 * d2)) {
            const double count = (double)(nd->count - (nd->first_child < 0 && mine));
            const double w = 1.0 / (1.0 + d2);
            z += count * w;
            fx += count * w * w * dx;
            fy += count * w * w * dy;
            continue;
        }
        const int own = mine ? quadrant(nd->center_x, nd->center_y, xi, yi) : -1;
        for (int c = 0; c < 4; c++) {
            stack[top] = nd->first_child + c;
            on_path[top++] = (unsigned char)(c == own);
        }
    }
    rep[0] = fx;
    rep[1] = fy;
    *row_z = z;
}

double ck_tsne_repulsive_bh(double *rep, double *row_z, const ck_tsne_node *nodes, const double *y,
                            int64_t n, double theta) {
    const double theta2 = theta * theta;
    #pragma omp parallel for num_threads(ck_threads_for(n / 64 + 1)) schedule(static, 64)
    for (int64_t i = 0; i < n; i++) bh_point(rep + 2 * i, row_z + i, nodes, y[2 * i], y[2 * i + 1], theta2);
    double total = 0.0;
    for (int64_t i = 0; i < n; i++) total += row_z[i];
    return total;
}
