/*
 * Row-streaming JPEG decoding on libjpeg-turbo, for a JS caller that feeds
 * the file as it arrives and takes decoded rows in bands.
 *
 * - Input goes through a suspending source manager: when the bytes pushed so
 *   far are used up, fill_input_buffer returns FALSE and libjpeg backs up to
 *   the start of the marker or MCU it was reading; the caller pushes more and
 *   calls again. Only the unread tail is kept (a marker segment at most, 64 KB).
 * - Errors never longjmp (there is no setjmp in wasm32-wasi): error_exit calls
 *   the imported fail(), which throws in JS and unwinds every wasm frame, as
 *   libjpeg's usual longjmp to the caller would. The JS side then resets the
 *   stack pointer and destroys the decoder, which frees all its pools.
 * - Nothing is printed: messages are formatted into the decoder for JS to read.
 *
 * Exports are plain C functions over a decoder handle; src/imaging/jpeg-stream.ts
 * is the only caller.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h> /* jpeglib.h names FILE; nothing of stdio is linked */

#define JPEG_INTERNALS /* cinfo->master and cinfo->inputctl, for cropping and skipping */
#include "jpeglib.h"
#include "jerror.h"
#include "jversion.h"

#define EXPORT(name) __attribute__((export_name(name)))

/* Throws in JS; never returns. */
__attribute__((import_module("env"), import_name("fail"), noreturn)) void js_fail(const char *message);

__asm__(".globaltype __stack_pointer, i32");

/* The shadow stack pointer, read once while idle and put back after a throw (an unwound call never pops its frame). */
EXPORT("stack_get") uintptr_t stack_get(void) {
  uintptr_t sp;
  __asm__ volatile("global.get __stack_pointer\n\tlocal.set %0" : "=r"(sp));
  return sp;
}

EXPORT("stack_set") void stack_set(uintptr_t sp) {
  __asm__ volatile("local.get %0\n\tglobal.set __stack_pointer" ::"r"(sp));
}

/* Slots of decoder.info, read by JS as an Int32Array. */
enum {
  I_WIDTH, I_HEIGHT, I_COMPONENTS, I_COLOR_SPACE, I_PROGRESSIVE, I_ARITHMETIC,
  I_SAW_JFIF, I_DENSITY_UNIT, I_X_DENSITY, I_Y_DENSITY, I_SAW_ADOBE, I_ADOBE_TRANSFORM,
  I_OUT_COLOR_SPACE, I_OUT_CHANNELS, I_WHOLE_IMAGE_LO, I_WHOLE_IMAGE_HI,
  I_ICC_PTR, I_ICC_LEN, I_SCANLINE, I_WARNINGS, I_WARNING_PTR, I_RESTART_INTERVAL,
  I_MARKER_LEN, I_SAMPLING, /* 2 per component, up to 4 */
  I_OUTPUT_WIDTH = I_SAMPLING + 8, /* columns a row has in this pass (less than the image's when cropped) */
  I_CROP_X,         /* first column of this pass */
  I_COUNT
};

/* ABSORB: buffered decoders read every scan into the coefficient buffer before any output pass. */
enum { STAGE_HEADER, STAGE_START, STAGE_ABSORB, STAGE_ROWS, STAGE_DONE };

/* What jpeg_crop_scanline() changes: the columns an output pass produces and the iMCU columns it inverse-transforms. */
typedef struct {
  JDIMENSION width;
  JDIMENSION first_iMCU_col, last_iMCU_col;
  JDIMENSION downsampled_width[MAX_COMPONENTS];
  JDIMENSION first_MCU_col[MAX_COMPONENTS], last_MCU_col[MAX_COMPONENTS];
} geometry;

typedef struct {
  struct jpeg_decompress_struct cinfo; /* first: error and source callbacks cast cinfo back to the decoder */
  struct jpeg_error_mgr jerr;
  struct jpeg_source_mgr src;
  JOCTET *in;       /* input window; unread bytes are src.next_input_byte .. + bytes_in_buffer */
  size_t in_cap;
  size_t skip;      /* bytes skip_input_data must still drop from input not pushed yet */
  int eof;          /* the caller has pushed the whole file */
  int starved;      /* the last call stopped because input ran out */
  int strict;       /* corrupt-data warnings are errors */
  int stage;
  int channels;     /* requested for colour and grey: 3 (RGB) or 4 (RGBA) */
  int buffered;     /* multi-scan files keep their coefficients for more than one output pass */
  geometry full;    /* as jpeg_start_decompress() set it up: put back before each crop, which narrows it in place */
  geometry pass;    /* this output pass's, after its crop */
  int blind;        /* skip() has the decoder on its no-columns geometry */
  JSAMPLE *band;
  size_t band_cap;
  JSAMPROW *rows;
  int rows_cap;
  JOCTET *icc;
  char message[JMSG_LENGTH_MAX];
  char warning[JMSG_LENGTH_MAX];
  int32_t info[I_COUNT];
} decoder;

/* ---- messages (jerror.c's table; jerror.c itself is not linked, its output_message writes to stderr) ---- */

#define JMESSAGE(code, string) string,
static const char *const message_table[] = {
#include "jerror.h"
  NULL
};

/*
 * printf for jerror.h's formats (%d %u %x %c %s, zero flag and width): wasi-libc's
 * vfprintf would link stderr and with it WASI's fd_write, which the module must not import.
 */
static void format_message(j_common_ptr cinfo, char *buffer) {
  struct jpeg_error_mgr *err = cinfo->err;
  int code = err->msg_code;
  const char *format = NULL;
  if (code > 0 && code <= err->last_jpeg_message) format = err->jpeg_message_table[code];
  if (!format) {
    err->msg_parm.i[0] = code;
    format = err->jpeg_message_table[0];
  }
  char *out = buffer, *limit = buffer + JMSG_LENGTH_MAX - 1;
  int arg = 0;
  for (const char *p = format; *p && out < limit; p++) {
    if (*p != '%') {
      *out++ = *p;
      continue;
    }
    p++;
    char pad = ' ';
    int width = 0;
    if (*p == '0') pad = '0', p++;
    while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
    char digits[12];
    int n = 0;
    const char *text = digits;
    if (*p == 's') {
      text = err->msg_parm.s;
      n = (int)strnlen(text, JMSG_STR_PARM_MAX);
    } else if (*p == 'c') {
      digits[n++] = (char)(arg < 8 ? err->msg_parm.i[arg++] : '?');
    } else if (*p == 'd' || *p == 'u' || *p == 'x') {
      int value = arg < 8 ? err->msg_parm.i[arg++] : 0;
      unsigned base = *p == 'x' ? 16 : 10;
      int negative = *p == 'd' && value < 0;
      unsigned v = negative ? 0u - (unsigned)value : (unsigned)value;
      char reversed[12];
      int r = 0;
      do reversed[r++] = "0123456789abcdef"[v % base]; while ((v /= base) && r < 11);
      if (negative) digits[n++] = '-';
      while (r) digits[n++] = reversed[--r];
    } else {
      if (*p == '%') *out++ = '%';
      if (!*p) break;
      continue;
    }
    for (int i = n; i < width && out < limit; i++) *out++ = pad;
    for (int i = 0; i < n && out < limit; i++) *out++ = text[i];
  }
  *out = 0;
}

static void error_exit(j_common_ptr cinfo) {
  decoder *d = (decoder *)cinfo;
  format_message(cinfo, d->message);
  js_fail(d->message);
}

/* Warnings that mean the pixels are wrong. Extraneous bytes between segments are not among them: they are skipped and leave the image intact. */
static int corrupts_pixels(int code) {
  switch (code) {
    case JWRN_ARITH_BAD_CODE:
    case JWRN_BOGUS_PROGRESSION:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_JPEG_EOF:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
      return 1;
    default:
      return 0;
  }
}

static void emit_message(j_common_ptr cinfo, int level) {
  decoder *d = (decoder *)cinfo;
  if (level >= 0) return; /* trace messages */
  d->info[I_WARNINGS]++;
  cinfo->err->num_warnings++;
  format_message(cinfo, d->warning);
  if (d->strict && corrupts_pixels(cinfo->err->msg_code)) error_exit(cinfo);
}

static void output_message(j_common_ptr cinfo) { (void)cinfo; }

static void reset_error_mgr(j_common_ptr cinfo) {
  cinfo->err->num_warnings = 0;
  cinfo->err->msg_code = 0;
}

/* ---- suspending source ---- */

static void init_source(j_decompress_ptr cinfo) { (void)cinfo; }
static void term_source(j_decompress_ptr cinfo) { (void)cinfo; }

static boolean fill_input_buffer(j_decompress_ptr cinfo) {
  decoder *d = (decoder *)cinfo;
  if (d->eof) ERREXIT(cinfo, JERR_INPUT_EOF); /* truncated: an error, not grey rows */
  d->starved = 1;
  return FALSE;
}

static void skip_input_data(j_decompress_ptr cinfo, long num_bytes) {
  decoder *d = (decoder *)cinfo;
  if (num_bytes <= 0) return;
  size_t n = (size_t)num_bytes;
  if (n > d->src.bytes_in_buffer) {
    d->skip += n - d->src.bytes_in_buffer;
    n = d->src.bytes_in_buffer;
  }
  d->src.next_input_byte += n;
  d->src.bytes_in_buffer -= n;
}

/* ---- exports ---- */

EXPORT("create") decoder *create(int channels, int strict, uint32_t max_memory, int buffered) {
  decoder *d = calloc(1, sizeof(decoder));
  if (!d) return NULL;
  d->channels = channels == 3 ? 3 : 4;
  d->strict = strict;
  d->buffered = buffered;
  d->cinfo.err = &d->jerr;
  d->jerr.error_exit = error_exit;
  d->jerr.emit_message = emit_message;
  d->jerr.output_message = output_message;
  d->jerr.format_message = format_message;
  d->jerr.reset_error_mgr = reset_error_mgr;
  d->jerr.jpeg_message_table = message_table;
  d->jerr.last_jpeg_message = (int)JMSG_LASTMSGCODE - 1;
  d->info[I_WARNING_PTR] = (int32_t)(uintptr_t)d->warning;
  jpeg_create_decompress(&d->cinfo);
  /* Whole-image (coefficient) buffers beyond this fail with "backing store not supported" instead of growing the heap. */
  d->cinfo.mem->max_memory_to_use = max_memory;
  d->src.init_source = init_source;
  d->src.fill_input_buffer = fill_input_buffer;
  d->src.skip_input_data = skip_input_data;
  d->src.resync_to_restart = jpeg_resync_to_restart;
  d->src.term_source = term_source;
  d->cinfo.src = &d->src;
  jpeg_save_markers(&d->cinfo, JPEG_APP0 + 1, 0xffff); /* EXIF */
  jpeg_save_markers(&d->cinfo, JPEG_APP0 + 2, 0xffff); /* ICC profile chunks */
  return d;
}

EXPORT("destroy") void destroy(decoder *d) {
  if (!d) return;
  jpeg_destroy_decompress(&d->cinfo);
  free(d->in);
  free(d->band);
  free(d->rows);
  free(d->icc);
  free(d);
}

EXPORT("info") int32_t *info(decoder *d) {
  d->info[I_SCANLINE] = (int32_t)d->cinfo.output_scanline;
  d->info[I_OUTPUT_WIDTH] = (int32_t)d->cinfo.output_width;
  return d->info;
}

/* Room for n more input bytes after the unread ones; the caller writes them there and calls commit(). */
EXPORT("input") JOCTET *input(decoder *d, size_t n) {
  size_t unread = d->src.bytes_in_buffer;
  if (unread && d->src.next_input_byte != d->in) memmove(d->in, d->src.next_input_byte, unread);
  if (unread + n > d->in_cap) {
    size_t cap = (unread + n + 0xffff) & ~(size_t)0xffff;
    JOCTET *grown = realloc(d->in, cap);
    if (!grown) return NULL;
    d->in = grown;
    d->in_cap = cap;
  }
  d->src.next_input_byte = d->in;
  return d->in + unread;
}

EXPORT("commit") void commit(decoder *d, size_t n) {
  d->src.bytes_in_buffer += n;
  size_t dropped = d->skip < d->src.bytes_in_buffer ? d->skip : d->src.bytes_in_buffer;
  d->src.next_input_byte += dropped;
  d->src.bytes_in_buffer -= dropped;
  d->skip -= dropped;
}

EXPORT("end") void end(decoder *d) { d->eof = 1; }

/* Bytes whole-image buffers take: progressive and multi-scan files keep every coefficient (2 bytes each) until the last scan. */
static uint64_t whole_image_bytes(j_decompress_ptr cinfo) {
  if (!cinfo->progressive_mode && cinfo->comps_in_scan >= cinfo->num_components) return 0;
  uint64_t total = 0;
  for (int i = 0; i < cinfo->num_components; i++) {
    jpeg_component_info *c = &cinfo->comp_info[i];
    uint64_t w = (c->width_in_blocks + c->h_samp_factor - 1) / c->h_samp_factor * c->h_samp_factor;
    uint64_t h = (c->height_in_blocks + c->v_samp_factor - 1) / c->v_samp_factor * c->v_samp_factor;
    total += w * h * sizeof(JBLOCK);
  }
  return total;
}

/* 1 once the header is read, 0 when more input is needed. */
EXPORT("header") int header(decoder *d) {
  j_decompress_ptr cinfo = &d->cinfo;
  if (d->stage != STAGE_HEADER) return 1;
  if (jpeg_read_header(cinfo, TRUE) == JPEG_SUSPENDED) return 0;
  int32_t *f = d->info;
  f[I_WIDTH] = (int32_t)cinfo->image_width;
  f[I_HEIGHT] = (int32_t)cinfo->image_height;
  f[I_COMPONENTS] = cinfo->num_components;
  f[I_COLOR_SPACE] = cinfo->jpeg_color_space;
  f[I_PROGRESSIVE] = cinfo->progressive_mode;
  f[I_ARITHMETIC] = cinfo->arith_code;
  f[I_SAW_JFIF] = cinfo->saw_JFIF_marker;
  f[I_DENSITY_UNIT] = cinfo->density_unit;
  f[I_X_DENSITY] = cinfo->X_density;
  f[I_Y_DENSITY] = cinfo->Y_density;
  f[I_SAW_ADOBE] = cinfo->saw_Adobe_marker;
  f[I_ADOBE_TRANSFORM] = cinfo->Adobe_transform;
  f[I_RESTART_INTERVAL] = (int32_t)cinfo->restart_interval;
  for (int i = 0; i < cinfo->num_components && i < 4; i++) {
    f[I_SAMPLING + 2 * i] = cinfo->comp_info[i].h_samp_factor;
    f[I_SAMPLING + 2 * i + 1] = cinfo->comp_info[i].v_samp_factor;
  }
  uint64_t whole = whole_image_bytes(cinfo);
  f[I_WHOLE_IMAGE_LO] = (int32_t)(uint32_t)whole;
  f[I_WHOLE_IMAGE_HI] = (int32_t)(uint32_t)(whole >> 32);

  switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB:
      cinfo->out_color_space = d->channels == 3 ? JCS_EXT_RGB : JCS_EXT_RGBA;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      /* YCCK becomes CMYK here; values stay as stored (inverted when an Adobe marker says Photoshop wrote them). */
      cinfo->out_color_space = JCS_CMYK;
      break;
    default:
      ERREXIT(cinfo, JERR_CONVERSION_NOTIMPL);
  }
  /* Only multi-scan files: a single scan would be buffered whole for nothing, its rows come straight from the input. */
  if (d->buffered && (cinfo->progressive_mode || cinfo->comps_in_scan < cinfo->num_components)) cinfo->buffered_image = TRUE;
  f[I_OUT_COLOR_SPACE] = cinfo->out_color_space;
  f[I_OUT_CHANNELS] = cinfo->out_color_space == JCS_CMYK ? 4 : d->channels;

  unsigned int icc_len = 0;
  if (jpeg_read_icc_profile(cinfo, &d->icc, &icc_len)) {
    f[I_ICC_PTR] = (int32_t)(uintptr_t)d->icc;
    f[I_ICC_LEN] = (int32_t)icc_len;
  }
  d->stage = STAGE_START;
  return 1;
}

/* The data of the index-th saved APP1 segment (length in info[I_MARKER_LEN]), or NULL past the last. */
EXPORT("app1") JOCTET *app1(decoder *d, int index) {
  for (jpeg_saved_marker_ptr m = d->cinfo.marker_list; m; m = m->next) {
    if (m->marker != JPEG_APP0 + 1) continue;
    if (index-- == 0) {
      d->info[I_MARKER_LEN] = (int32_t)m->data_length;
      return m->data;
    }
  }
  return NULL;
}

/* Frees the saved markers' copy of the ICC profile once JS has its own. */
EXPORT("drop_icc") void drop_icc(decoder *d) {
  free(d->icc);
  d->icc = NULL;
  d->info[I_ICC_PTR] = 0;
  d->info[I_ICC_LEN] = 0;
}

static void get_geometry(j_decompress_ptr cinfo, geometry *g) {
  g->width = cinfo->output_width;
  g->first_iMCU_col = cinfo->master->first_iMCU_col;
  g->last_iMCU_col = cinfo->master->last_iMCU_col;
  for (int ci = 0; ci < cinfo->num_components; ci++) {
    g->downsampled_width[ci] = cinfo->comp_info[ci].downsampled_width;
    g->first_MCU_col[ci] = cinfo->master->first_MCU_col[ci];
    g->last_MCU_col[ci] = cinfo->master->last_MCU_col[ci];
  }
}

static void set_geometry(j_decompress_ptr cinfo, const geometry *g) {
  cinfo->output_width = g->width;
  cinfo->master->first_iMCU_col = g->first_iMCU_col;
  cinfo->master->last_iMCU_col = g->last_iMCU_col;
  for (int ci = 0; ci < cinfo->num_components; ci++) {
    cinfo->comp_info[ci].downsampled_width = g->downsampled_width[ci];
    cinfo->master->first_MCU_col[ci] = g->first_MCU_col[ci];
    cinfo->master->last_MCU_col[ci] = g->last_MCU_col[ci];
  }
}

/* Narrowest rows that keep libjpeg's upsampler: under 2 samples of a component it swaps in a plain one, which set_geometry() would not put back. */
static JDIMENSION least_width(j_decompress_ptr cinfo, const geometry *full) {
  JDIMENSION least = (JDIMENSION)(2 * DCTSIZE * cinfo->max_h_samp_factor);
  return least < full->width ? least : full->width;
}

/* Back to this pass's geometry after skip() left it blind. */
static void see(decoder *d) {
  if (d->blind) set_geometry(&d->cinfo, &d->pass);
  d->blind = 0;
}

/* The full geometry for a pass that has not been cropped. */
static void uncrop(decoder *d) {
  set_geometry(&d->cinfo, &d->full);
  d->pass = d->full;
  d->blind = 0;
  d->info[I_CROP_X] = 0;
}

/*
 * Starts the first output pass: 1 once rows can be read, 0 when more input is
 * needed. Progressive and multi-scan files read all their scans here,
 * suspending as often as input runs out.
 */
EXPORT("start") int start(decoder *d) {
  j_decompress_ptr cinfo = &d->cinfo;
  if (d->stage == STAGE_HEADER) return 0;
  if (d->stage == STAGE_START) {
    if (!jpeg_start_decompress(cinfo)) return 0;
    d->stage = cinfo->buffered_image ? STAGE_ABSORB : STAGE_ROWS;
    if (d->stage == STAGE_ROWS) {
      get_geometry(cinfo, &d->full);
      d->pass = d->full;
    }
  }
  if (d->stage == STAGE_ABSORB) {
    for (;;) {
      int status = jpeg_consume_input(cinfo);
      if (status == JPEG_SUSPENDED) return 0;
      if (status == JPEG_REACHED_EOI) break;
    }
    /* Every scan is in: nothing left to read, so this cannot suspend. */
    if (!jpeg_start_output(cinfo, cinfo->input_scan_number)) js_fail("JPEG output pass did not start");
    get_geometry(cinfo, &d->full);
    d->pass = d->full;
    d->stage = STAGE_ROWS;
  }
  return 1;
}

/*
 * Another output pass over a buffered decoder's coefficients, from the top
 * row, at full width. Only for decoders created buffered whose file has
 * several scans (a single-scan file is read again instead).
 */
EXPORT("rewind") void rewind_output(decoder *d) {
  j_decompress_ptr cinfo = &d->cinfo;
  if (!cinfo->buffered_image || (d->stage != STAGE_ROWS && d->stage != STAGE_DONE)) ERREXIT1(cinfo, JERR_BAD_STATE, cinfo->global_state);
  /* EOI is reached: neither call reads input, so neither suspends. */
  if (!jpeg_finish_output(cinfo) || !jpeg_start_output(cinfo, cinfo->input_scan_number)) js_fail("JPEG output pass did not restart");
  uncrop(d);
  d->stage = STAGE_ROWS;
}

/*
 * Limits this pass to columns x .. x + width - 1, before its first row: the
 * IDCT, upsampling and colour conversion of the other columns are skipped
 * (entropy decoding still covers the whole row). libjpeg moves x left to an
 * iMCU boundary and widens the rows to match, and a crop narrower than two
 * iMCUs is widened (least_width): returns the x the rows start at, their
 * width is info's output width.
 */
EXPORT("crop") int crop(decoder *d, uint32_t x, uint32_t width) {
  j_decompress_ptr cinfo = &d->cinfo;
  if (d->stage != STAGE_ROWS || cinfo->output_scanline != 0) ERREXIT1(cinfo, JERR_BAD_STATE, cinfo->global_state);
  uncrop(d);
  JDIMENSION full = d->full.width, xoffset = x, w = width;
  if (xoffset >= full || w > full - xoffset) ERREXIT(cinfo, JERR_BAD_CROP_SPEC);
  JDIMENSION least = least_width(cinfo, &d->full);
  if (w < least) {
    w = least;
    if (xoffset > full - w) xoffset = full - w;
  }
  if (w < full) jpeg_crop_scanline(cinfo, &xoffset, &w);
  get_geometry(cinfo, &d->pass);
  d->info[I_CROP_X] = (int32_t)xoffset;
  return (int32_t)xoffset;
}

/* Room for max_rows rows of the current geometry in the band buffer, and the row pointers. */
static void band_rows(decoder *d, int max_rows) {
  j_decompress_ptr cinfo = &d->cinfo;
  size_t stride = (size_t)cinfo->output_width * cinfo->output_components;
  if ((size_t)max_rows * stride > d->band_cap) {
    free(d->band);
    d->band_cap = (size_t)max_rows * stride;
    d->band = malloc(d->band_cap);
    if (!d->band) {
      d->band_cap = 0;
      ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 10);
    }
  }
  if (max_rows > d->rows_cap) {
    free(d->rows);
    d->rows = malloc(sizeof(JSAMPROW) * (size_t)max_rows);
    d->rows_cap = d->rows ? max_rows : 0;
    if (!d->rows) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 11);
  }
  for (int i = 0; i < max_rows; i++) d->rows[i] = d->band + (size_t)i * stride;
}

/* Reads up to max_rows rows into the band buffer: how many, 0 when input ran out (or every row is out). */
static int read_rows(decoder *d, int max_rows) {
  j_decompress_ptr cinfo = &d->cinfo;
  band_rows(d, max_rows);
  int done = 0, idle = 0;
  /* read_scanlines gives at most one iMCU row's worth per call, and 0 when it suspends (or, rarely, while it fills its context rows). */
  while (done < max_rows && cinfo->output_scanline < cinfo->output_height) {
    d->starved = 0;
    JDIMENSION n = jpeg_read_scanlines(cinfo, d->rows + done, (JDIMENSION)(max_rows - done));
    if (n == 0) {
      if (d->starved) break;
      if (++idle > 64) js_fail("JPEG decoder made no progress");
      continue;
    }
    done += (int)n;
  }
  if (cinfo->output_scanline >= cinfo->output_height) d->stage = STAGE_DONE;
  return done;
}

/*
 * Passes over up to n rows of this pass; returns how many (0 when more input
 * is needed first). Multi-scan files have every coefficient in memory:
 * libjpeg's jpeg_skip_scanlines() jumps. For a single scan that cannot do
 * (it must not suspend, and the input may still be arriving), so the rows
 * are read on a blind geometry instead: no iMCU column inverse-transformed
 * and rows a couple of iMCUs wide, which leaves entropy decoding, the part
 * no skip can avoid. The last two iMCU rows before the target are decoded
 * as usual: the next rows' upsampling reads them as context.
 */
EXPORT("skip") int skip(decoder *d, int n) {
  j_decompress_ptr cinfo = &d->cinfo;
  if (d->stage != STAGE_ROWS || n <= 0) return 0;
  JDIMENSION left = cinfo->output_height - cinfo->output_scanline;
  JDIMENSION want = (JDIMENSION)n < left ? (JDIMENSION)n : left;
  if (cinfo->inputctl->has_multiple_scans) {
    see(d);
    JDIMENSION done = jpeg_skip_scanlines(cinfo, want);
    if (cinfo->output_scanline >= cinfo->output_height) d->stage = STAGE_DONE;
    return (int)done;
  }
  JDIMENSION per = (JDIMENSION)cinfo->max_v_samp_factor * cinfo->min_DCT_scaled_size;
  JDIMENSION target = cinfo->output_scanline + want;
  JDIMENSION sighted = target / per >= 2 ? (target / per - 2) * per : 0;
  JDIMENSION start = cinfo->output_scanline;
  while (cinfo->output_scanline < target) {
    JDIMENSION until = target;
    if (cinfo->output_scanline < sighted) {
      until = sighted;
      if (!d->blind) {
        geometry g = d->pass;
        g.width = least_width(cinfo, &d->full);
        for (int ci = 0; ci < cinfo->num_components; ci++)
          g.downsampled_width[ci] = (JDIMENSION)jdiv_round_up((long)g.width * cinfo->comp_info[ci].h_samp_factor, (long)cinfo->max_h_samp_factor);
        g.first_iMCU_col = 1; /* past last_iMCU_col: none */
        g.last_iMCU_col = 0;
        set_geometry(cinfo, &g);
        d->blind = 1;
      }
    } else {
      see(d);
    }
    JDIMENSION rows = until - cinfo->output_scanline;
    if (!read_rows(d, (int)(rows < per ? rows : per))) break;
  }
  if (cinfo->output_scanline >= target) see(d);
  return (int)(cinfo->output_scanline - start);
}

/*
 * Decodes up to max_rows rows into the band buffer; returns how many (0 when
 * more input is needed, or when every row is out: info's scanline says which).
 * The band's address is band_ptr().
 */
EXPORT("rows") int rows(decoder *d, int max_rows) {
  if (d->stage == STAGE_DONE || max_rows < 1 || !start(d)) return 0;
  see(d);
  return read_rows(d, max_rows);
}

EXPORT("band_ptr") JSAMPLE *band_ptr(decoder *d) { return d->band; }
