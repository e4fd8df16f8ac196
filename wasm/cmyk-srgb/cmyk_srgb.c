/*
 * CMYK to sRGB through LittleCMS, for src/imaging/cmyk-to-srgb.ts. Errors are
 * kept as text for last_error(), never thrown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lcms2.h"

#define EXPORT(name) __attribute__((export_name(name)))

/* default_profile.h (made by build.sh from default-cmyk.icc): DEFAULT_PROFILE[], DEFAULT_PROFILE_LEN. */
#include "default_profile.h"

static char error_text[256];

static void on_error(cmsContext id, cmsUInt32Number code, const char *text) {
  (void)id;
  (void)code;
  strncpy(error_text, text, sizeof error_text - 1);
  error_text[sizeof error_text - 1] = 0;
}

static void set_error(const char *text) { on_error(NULL, 0, text); }

/* LittleCMS stamps profiles it creates (the built-in sRGB one) with the time; a fixed one keeps WASI's clock out of the module. */
time_t time(time_t *t) {
  if (t) *t = 0;
  return 0;
}

/*
 * A Worker has no files. LittleCMS's file functions are never called here, but
 * reach fopen and remove; these stand-ins keep wasi-libc's file layer (and its
 * start-up code and most WASI imports) out of the module.
 */
FILE *fopen(const char *path, const char *mode) {
  (void)path;
  (void)mode;
  return NULL;
}

int remove(const char *path) {
  (void)path;
  return -1;
}

EXPORT("alloc") void *alloc(size_t n) { return malloc(n); }
EXPORT("release") void release(void *p) { free(p); }
EXPORT("last_error") const char *last_error(void) { return error_text; }

/*
 * A transform from the ICC profile at `icc` (`len` bytes; 0: the built-in default
 * CMYK profile) to LittleCMS's built-in sRGB, 8-bit CMYK in, 8-bit RGBA out.
 * `inverted`: input stores 255 for no ink (Adobe's form); LittleCMS's reversed
 * flavour undoes it while reading. 0 on failure (see last_error).
 */
EXPORT("transform_new")
cmsHTRANSFORM transform_new(const void *icc, cmsUInt32Number len, cmsUInt32Number intent, int bpc, int inverted) {
  static int ready = 0;
  if (!ready) {
    cmsSetLogErrorHandler(on_error);
    ready = 1;
  }
  error_text[0] = 0;
  cmsHPROFILE in = len ? cmsOpenProfileFromMem(icc, len) : cmsOpenProfileFromMem(DEFAULT_PROFILE, DEFAULT_PROFILE_LEN);
  if (!in) {
    if (!error_text[0]) set_error("unreadable ICC profile");
    return NULL;
  }
  if (cmsGetColorSpace(in) != cmsSigCmykData) {
    cmsCloseProfile(in);
    set_error("the ICC profile is not a CMYK one");
    return NULL;
  }
  cmsProfileClassSignature cls = cmsGetDeviceClass(in);
  if (cls == cmsSigLinkClass || cls == cmsSigAbstractClass || cls == cmsSigNamedColorClass) {
    cmsCloseProfile(in);
    set_error("the ICC profile is not a device profile");
    return NULL;
  }
  cmsHPROFILE out = cmsCreate_sRGBProfile();
  if (!out) {
    cmsCloseProfile(in);
    if (!error_text[0]) set_error("out of memory");
    return NULL;
  }
  cmsUInt32Number flags = bpc ? cmsFLAGS_BLACKPOINTCOMPENSATION : 0;
  cmsHTRANSFORM xf = cmsCreateTransform(in, inverted ? TYPE_CMYK_8_REV : TYPE_CMYK_8, out, TYPE_RGBA_8, intent, flags);
  /* The transform keeps what it needs (a precalculated table): the profiles can go. */
  cmsCloseProfile(in);
  cmsCloseProfile(out);
  if (!xf && !error_text[0]) set_error("the ICC profile gives no transform for this intent");
  return xf;
}

/* `pixels` CMYK pixels at `in` to RGBA at `out`, alpha 255. */
EXPORT("transform_run")
void transform_run(cmsHTRANSFORM xf, const unsigned char *in, unsigned char *out, cmsUInt32Number pixels) {
  cmsDoTransform(xf, in, out, pixels);
  /* LittleCMS leaves the extra (alpha) channel as it finds it. */
  for (cmsUInt32Number i = 0; i < pixels; i++) out[i * 4 + 3] = 255;
}

EXPORT("transform_free") void transform_free(cmsHTRANSFORM xf) { cmsDeleteTransform(xf); }
