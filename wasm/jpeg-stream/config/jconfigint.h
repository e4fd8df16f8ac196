/* libjpeg-turbo's jconfigint.h for the wasm32 build (what CMake would write). */
/* A fixed build string, so rebuilding gives the same bytes. */
#define BUILD  "wasm32"
#undef inline
#define INLINE  __inline__ __attribute__((always_inline))
/* One thread per instance: no thread-local storage. */
#define THREAD_LOCAL
#define PACKAGE_NAME  "libjpeg-turbo"
#define VERSION  "2.1.5"
#define SIZEOF_SIZE_T  4
#define HAVE_BUILTIN_CTZL
#define FALLTHROUGH  __attribute__((fallthrough));
