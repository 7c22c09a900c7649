// zlib (Debian: zlib1g-dev): gzip streams for IDX files.
#include <zlib.h>
