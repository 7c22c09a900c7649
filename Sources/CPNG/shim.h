// libpng (Debian: libpng-dev). Only the simplified png_image API is used: it reports errors
// through its return value and never longjmps through Swift frames.
#include <png.h>
