/* Max-merging small bitmaps into larger ones: the inner loops of rasterisation.
 *
 * A page is assembled from about a thousand word cells in some eighty lines, and a novel's vocabulary
 * from about a hundred thousand glyph placements. NumPy does each of these copies as its own call,
 * whose overhead (a few microseconds) is larger than the copy (a few hundred bytes), and a Python loop
 * over a page's lines costs as much again; here a page's lines are one call and each copy a loop over
 * bytes. Everything is merged with max, so the order of placements never changes a pixel, and the
 * NumPy paths in raster.py and word_batch.py, used where this module was not built, give the same pages.
 *
 * Arrays come in through the buffer protocol, so building needs no NumPy headers. Every write is
 * bounds-checked: paste_lines and paste_at clip to the canvas, paste_blocks refuses a block that would
 * leave either buffer.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static void max_rows(uint8_t *restrict dst, Py_ssize_t dst_stride, const uint8_t *restrict src, Py_ssize_t src_stride,
                     Py_ssize_t rows, Py_ssize_t width)
{
    for (Py_ssize_t r = 0; r < rows; r++, dst += dst_stride, src += src_stride)
        for (Py_ssize_t c = 0; c < width; c++)
            dst[c] = src[c] > dst[c] ? src[c] : dst[c];
}

/* A C-contiguous 2-D array of bytes (the canvas writable).
 *
 * No format is asked for: NumPy builds a format string for every request that wants one, which
 * would cost more than pasting a word; one-byte items are all this module needs to know. */
static int get_bitmap(PyObject *obj, Py_buffer *view, int writable, const char *what)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_ND | (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    if (view->ndim != 2 || view->itemsize != 1) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_TypeError, "%s must be a C-contiguous 2-D uint8 array", what);
        return -1;
    }
    return 0;
}

/* Pastes read one buffer and write another: a source inside the destination is refused, not guessed at. */
static int overlapping(const Py_buffer *a, const Py_buffer *b)
{
    const char *a0 = a->buf, *b0 = b->buf;
    if (a->len > 0 && b->len > 0 && a0 < b0 + b->len && b0 < a0 + a->len) {
        PyErr_SetString(PyExc_ValueError, "a source bitmap shares memory with the canvas it is pasted into");
        return 1;
    }
    return 0;
}

/* Merge `bitmap` into `canvas` with its top-left corner at (y, x), clipped to the canvas. */
static int merge_clipped(Py_buffer *canvas, PyObject *obj, Py_ssize_t y, Py_ssize_t x)
{
    Py_buffer bitmap;
    if (get_bitmap(obj, &bitmap, 0, "a bitmap") < 0)
        return -1;
    if (overlapping(canvas, &bitmap)) {
        PyBuffer_Release(&bitmap);
        return -1;
    }
    Py_ssize_t H = canvas->shape[0], W = canvas->shape[1];
    Py_ssize_t h = bitmap.shape[0], w = bitmap.shape[1];
    Py_ssize_t r0 = y < 0 ? -y : 0, r1 = h < H - y ? h : H - y;
    Py_ssize_t c0 = x < 0 ? -x : 0, c1 = w < W - x ? w : W - x;
    if (r0 < r1 && c0 < c1)
        max_rows((uint8_t *)canvas->buf + (y + r0) * W + x + c0, W,
                 (const uint8_t *)bitmap.buf + r0 * w + c0, w, r1 - r0, c1 - c0);
    PyBuffer_Release(&bitmap);
    return 0;
}

/* The flat buffer of the cells being pasted: consecutive cells mostly share one, acquired once. */
typedef struct {
    PyObject *owner;
    Py_buffer view;
} Store;

static void store_release(Store *store)
{
    if (store->owner != NULL)
        PyBuffer_Release(&store->view);
    store->owner = NULL;
}

static Py_ssize_t cell_field(PyObject *cell, Py_ssize_t index)
{
    return PyNumber_AsSsize_t(PyTuple_GET_ITEM(cell, index), PyExc_OverflowError);
}

/* A cell: (store, offset, columns, rows, top, bottom), a rows x columns bitmap at `offset` in the flat
 * uint8 buffer `store`, its ink in rows [top, bottom). Merges the ink rows with the bitmap's top-left
 * corner at (y, x), clipped to the canvas. */
static int merge_cell(Py_buffer *canvas, PyObject *cell, Store *store, Py_ssize_t y, Py_ssize_t x, Py_ssize_t *width)
{
    if (!PyTuple_Check(cell) || PyTuple_GET_SIZE(cell) != 6) {
        PyErr_SetString(PyExc_TypeError, "a cell must be a (store, offset, columns, rows, top, bottom) tuple");
        return -1;
    }
    Py_ssize_t offset = cell_field(cell, 1), w = cell_field(cell, 2), h = cell_field(cell, 3);
    Py_ssize_t top = cell_field(cell, 4), bottom = cell_field(cell, 5);
    if (PyErr_Occurred())
        return -1;
    PyObject *owner = PyTuple_GET_ITEM(cell, 0);
    if (owner != store->owner) {
        store_release(store);
        if (PyObject_GetBuffer(owner, &store->view, PyBUF_SIMPLE) < 0)
            return -1;
        store->owner = owner;
        if (overlapping(canvas, &store->view))
            return -1;
    }
    if (offset < 0 || w < 0 || h < 0 || top < 0 || bottom < top || bottom > h
        || (w > 0 && (h > store->view.len / w || offset > store->view.len - h * w))) {
        PyErr_SetString(PyExc_ValueError, "a cell's bitmap or ink rows lie outside its store");
        return -1;
    }
    Py_ssize_t H = canvas->shape[0], W = canvas->shape[1];
    Py_ssize_t r0 = top > -y ? top : -y, r1 = bottom < H - y ? bottom : H - y;
    Py_ssize_t c0 = x < 0 ? -x : 0, c1 = w < W - x ? w : W - x;
    if (r0 < r1 && c0 < c1)
        max_rows((uint8_t *)canvas->buf + (y + r0) * W + x + c0, W,
                 (const uint8_t *)store->view.buf + offset + r0 * w + c0, w, r1 - r0, c1 - c0);
    *width = w;
    return 0;
}

/* METH_FASTCALL functions check their argument count here, naming their signature when it is wrong. */
static int expect_arguments(Py_ssize_t nargs, Py_ssize_t expected, const char *signature)
{
    if (nargs == expected)
        return 0;
    PyErr_Format(PyExc_TypeError, "%s takes %zd arguments (%zd given)", signature, expected, nargs);
    return -1;
}

static int get_position(PyObject *obj, Py_ssize_t *value)
{
    *value = PyNumber_AsSsize_t(obj, PyExc_OverflowError);
    return (*value == -1 && PyErr_Occurred()) ? -1 : 0;
}

/* Merge cells side by side from (y, x): 1 when pasted, 0 when one of them is None (nothing is drawn
 * then), -1 on error. */
static int paste_cells(Py_buffer *canvas, PyObject **cells, Py_ssize_t n, Py_ssize_t y, Py_ssize_t x, Store *store)
{
    Py_ssize_t width;
    for (Py_ssize_t i = 0; i < n; i++)
        if (cells[i] == Py_None)
            return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (merge_cell(canvas, cells[i], store, y, x, &width) < 0)
            return -1;
        x += width;
    }
    return 1;
}

/* Interned names of the layout Line attributes paste_lines reads. */
static PyObject *str_boxes, *str_regular, *str_baseline, *str_offset, *str_xs;

/* floor(value + 0.5) as Python's math.floor computes it, for a finite value of sane size. */
static int round_half_up(double value, Py_ssize_t *out)
{
    if (!(fabs(value) < 1e15)) {
        PyErr_SetString(PyExc_ValueError, "a line's position is not a finite number of pixels");
        return -1;
    }
    *out = (Py_ssize_t)floor(value + 0.5);
    return 0;
}

static int float_attr(PyObject *obj, PyObject *name, double *value)
{
    PyObject *attr = PyObject_GetAttr(obj, name);
    if (attr == NULL)
        return -1;
    *value = PyFloat_AsDouble(attr);
    Py_DECREF(attr);
    return (*value == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

/* Paste one regular line (its words in `boxes`): 1 pasted, 0 left to the caller, -1 on error. */
static int paste_line(Py_buffer *canvas, PyObject *line, PyObject *boxes, PyObject *cells, Py_ssize_t top,
                      Py_ssize_t lead, Store *store)
{
    double baseline, offset, first;
    Py_ssize_t y, x;
    if (float_attr(line, str_baseline, &baseline) < 0 || float_attr(line, str_offset, &offset) < 0)
        return -1;
    PyObject *xs = PyObject_GetAttr(line, str_xs);
    if (xs == NULL)
        return -1;
    PyObject *x0 = PySequence_GetItem(xs, 0);
    Py_DECREF(xs);
    if (x0 == NULL)
        return -1;
    first = PyFloat_AsDouble(x0);
    Py_DECREF(x0);
    if ((first == -1.0 && PyErr_Occurred()) || round_half_up(baseline, &y) < 0
        || round_half_up(offset + first, &x) < 0)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(boxes);
    PyObject *on_stack[64];
    PyObject **found = n <= 64 ? on_stack : PyMem_Malloc(n * sizeof(PyObject *));
    if (found == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t got = 0;
    int result = 1;
    for (; got < n; got++) {
        found[got] = PyObject_GetItem(cells, PySequence_Fast_GET_ITEM(boxes, got));
        if (found[got] == NULL) {
            result = -1;
            break;
        }
    }
    if (result == 1)
        result = paste_cells(canvas, found, n, y + top, x - lead, store);
    while (got > 0)
        Py_DECREF(found[--got]);
    if (found != on_stack)
        PyMem_Free(found);
    return result;
}

PyDoc_STRVAR(paste_lines_doc,
"paste_lines(canvas, lines, cells, top, lead) -> list\n--\n\n"
"Paste a page's regular lines into `canvas`: each line's cells, looked up by word in the mapping\n"
"`cells`, merged (max) side by side from row floor(line.baseline + 0.5) + top and column\n"
"floor(line.offset + line.xs[0] + 0.5) - lead. A cell is a (store, offset, columns, rows, top, bottom)\n"
"tuple: a rows x columns bitmap at `offset` in the flat uint8 buffer `store`, its ink in rows\n"
"[top, bottom), which are all that is merged; everything is clipped to the canvas. Returns the lines\n"
"with words it did not paste: lines not regular, and lines with a word whose cell is None.");

static PyObject *paste_lines(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t top, lead;
    Py_buffer canvas;
    if (expect_arguments(nargs, 5, "paste_lines(canvas, lines, cells, top, lead)") < 0
        || get_position(args[3], &top) < 0 || get_position(args[4], &lead) < 0)
        return NULL;
    PyObject *lines = PySequence_Fast(args[1], "lines must be a sequence");
    if (lines == NULL)
        return NULL;
    PyObject *others = PyList_New(0);
    if (others == NULL || get_bitmap(args[0], &canvas, 1, "canvas") < 0) {
        Py_XDECREF(others);
        Py_DECREF(lines);
        return NULL;
    }
    Store store = {NULL};
    int failed = 0;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(lines) && !failed; i++) {
        PyObject *line = PySequence_Fast_GET_ITEM(lines, i);
        PyObject *attr = PyObject_GetAttr(line, str_boxes);
        PyObject *boxes = attr == NULL ? NULL : PySequence_Fast(attr, "a line's boxes must be a sequence");
        Py_XDECREF(attr);
        if (boxes == NULL) {
            failed = 1;
            break;
        }
        int status = 0;
        if (PySequence_Fast_GET_SIZE(boxes) > 0) {
            attr = PyObject_GetAttr(line, str_regular);
            int regular = attr == NULL ? -1 : PyObject_IsTrue(attr);
            Py_XDECREF(attr);
            status = regular < 0 ? -1 : regular ? paste_line(&canvas, line, boxes, args[2], top, lead, &store) : 0;
            if (status == 0 && PyList_Append(others, line) < 0)
                status = -1;
        }
        Py_DECREF(boxes);
        failed = status < 0;
    }
    store_release(&store);
    PyBuffer_Release(&canvas);
    Py_DECREF(lines);
    if (failed) {
        Py_DECREF(others);
        return NULL;
    }
    return others;
}

PyDoc_STRVAR(paste_at_doc,
"paste_at(canvas, y, xs, bitmaps)\n--\n\n"
"Merge (max) each 2-D uint8 bitmap into `canvas` with its top-left corner at (y, its x); clipped.");

static PyObject *paste_at(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t y, x;
    Py_buffer canvas;
    if (expect_arguments(nargs, 4, "paste_at(canvas, y, xs, bitmaps)") < 0 || get_position(args[1], &y) < 0)
        return NULL;
    PyObject *xs = PySequence_Fast(args[2], "xs must be a sequence of ints");
    if (xs == NULL)
        return NULL;
    PyObject *bitmaps = PySequence_Fast(args[3], "bitmaps must be a sequence of arrays");
    if (bitmaps == NULL) {
        Py_DECREF(xs);
        return NULL;
    }
    int failed = PySequence_Fast_GET_SIZE(xs) != PySequence_Fast_GET_SIZE(bitmaps);
    if (failed)
        PyErr_SetString(PyExc_ValueError, "xs and bitmaps differ in length");
    else if (get_bitmap(args[0], &canvas, 1, "canvas") < 0)
        failed = 1;
    else {
        Py_ssize_t n = PySequence_Fast_GET_SIZE(xs);
        for (Py_ssize_t i = 0; i < n && !failed; i++)
            failed = get_position(PySequence_Fast_GET_ITEM(xs, i), &x) < 0
                  || merge_clipped(&canvas, PySequence_Fast_GET_ITEM(bitmaps, i), y, x) < 0;
        PyBuffer_Release(&canvas);
    }
    Py_DECREF(xs);
    Py_DECREF(bitmaps);
    if (failed)
        return NULL;
    Py_RETURN_NONE;
}

/* A contiguous 1-D array of 64-bit signed integers (NumPy's intp on 64-bit platforms). */
static int get_index(PyObject *obj, Py_buffer *view, const char *what)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    const char *format = view->format;
    if (format[0] != '\0' && strchr("@=", format[0]) != NULL)
        format++;
    if (view->ndim != 1 || view->itemsize != 8 || strlen(format) != 1 || strchr("qln", format[0]) == NULL) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_TypeError, "%s must be a 1-D int64 array", what);
        return -1;
    }
    return 0;
}

/* Does the block (offset, stride, rows, width) lie inside a buffer of `size` bytes? (An empty one does.) */
static int block_inside(int64_t offset, int64_t stride, int64_t rows, int64_t width, Py_ssize_t size)
{
    if (rows == 0 || width == 0)
        return 1;
    if (offset < 0 || stride < 0 || width > size || offset > size - width)
        return 0;
    return rows == 1 || stride <= (size - width - offset) / (rows - 1);
}

PyDoc_STRVAR(paste_blocks_doc,
"paste_blocks(dst, src, dst_offsets, dst_strides, src_offsets, src_strides, widths, heights)\n--\n\n"
"For each i, merge (max) a block of heights[i] rows of widths[i] bytes from the flat uint8 buffer `src`\n"
"(starting at src_offsets[i], rows src_strides[i] bytes apart) into the flat uint8 buffer `dst` (at\n"
"dst_offsets[i], rows dst_strides[i] apart). The index arrays are 1-D int64; a block that would leave\n"
"either buffer raises IndexError before anything is written.");

enum { DST_OFFSETS, DST_STRIDES, SRC_OFFSETS, SRC_STRIDES, WIDTHS, HEIGHTS, N_INDEX };

static int check_blocks(Py_buffer *dst, Py_buffer *src, Py_buffer *index)
{
    Py_ssize_t n = index[0].len / 8;
    for (int k = 1; k < N_INDEX; k++)
        if (index[k].len / 8 != n) {
            PyErr_SetString(PyExc_ValueError, "the index arrays differ in length");
            return -1;
        }
    const int64_t *dst_offsets = index[DST_OFFSETS].buf, *dst_strides = index[DST_STRIDES].buf;
    const int64_t *src_offsets = index[SRC_OFFSETS].buf, *src_strides = index[SRC_STRIDES].buf;
    const int64_t *widths = index[WIDTHS].buf, *heights = index[HEIGHTS].buf;
    for (Py_ssize_t i = 0; i < n; i++)
        if (widths[i] < 0 || heights[i] < 0
            || !block_inside(dst_offsets[i], dst_strides[i], heights[i], widths[i], dst->len)
            || !block_inside(src_offsets[i], src_strides[i], heights[i], widths[i], src->len)) {
            PyErr_Format(PyExc_IndexError, "block %zd leaves its buffer", i);
            return -1;
        }
    return 0;
}

static PyObject *paste_blocks(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    static const char *names[N_INDEX] = {"dst_offsets", "dst_strides", "src_offsets", "src_strides", "widths",
                                         "heights"};
    Py_buffer dst, src, index[N_INDEX];
    int held = 0;
    PyObject *result = NULL;
    if (expect_arguments(nargs, 2 + N_INDEX, "paste_blocks(dst, src, dst_offsets, dst_strides, src_offsets, "
                                              "src_strides, widths, heights)") < 0)
        return NULL;
    if (PyObject_GetBuffer(args[0], &dst, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0)
        return NULL;
    if (PyObject_GetBuffer(args[1], &src, PyBUF_C_CONTIGUOUS) < 0) {
        PyBuffer_Release(&dst);
        return NULL;
    }
    while (held < N_INDEX && get_index(args[2 + held], &index[held], names[held]) == 0)
        held++;
    if (held == N_INDEX && !overlapping(&dst, &src) && check_blocks(&dst, &src, index) == 0) {
        const int64_t *dst_offsets = index[DST_OFFSETS].buf, *dst_strides = index[DST_STRIDES].buf;
        const int64_t *src_offsets = index[SRC_OFFSETS].buf, *src_strides = index[SRC_STRIDES].buf;
        const int64_t *widths = index[WIDTHS].buf, *heights = index[HEIGHTS].buf;
        Py_ssize_t n = index[0].len / 8;
        for (Py_ssize_t i = 0; i < n; i++)
            max_rows((uint8_t *)dst.buf + dst_offsets[i], dst_strides[i],
                     (const uint8_t *)src.buf + src_offsets[i], src_strides[i], heights[i], widths[i]);
        result = Py_None;
        Py_INCREF(result);
    }
    while (held > 0)
        PyBuffer_Release(&index[--held]);
    PyBuffer_Release(&src);
    PyBuffer_Release(&dst);
    return result;
}

static PyMethodDef methods[] = {
    {"paste_lines", (PyCFunction)(void (*)(void))paste_lines, METH_FASTCALL, paste_lines_doc},
    {"paste_at", (PyCFunction)(void (*)(void))paste_at, METH_FASTCALL, paste_at_doc},
    {"paste_blocks", (PyCFunction)(void (*)(void))paste_blocks, METH_FASTCALL, paste_blocks_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_blit", "Max-merging small bitmaps into larger ones (see _blit.c).", 0, methods,
};

PyMODINIT_FUNC PyInit__blit(void)
{
    if ((str_boxes = PyUnicode_InternFromString("boxes")) == NULL
        || (str_regular = PyUnicode_InternFromString("regular")) == NULL
        || (str_baseline = PyUnicode_InternFromString("baseline")) == NULL
        || (str_offset = PyUnicode_InternFromString("offset")) == NULL
        || (str_xs = PyUnicode_InternFromString("xs")) == NULL)
        return NULL;
    return PyModule_Create(&module);
}
