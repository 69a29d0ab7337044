// malloc_trim(3): hand freed heap pages back to the kernel (not exported by the Glibc module).
#include <malloc.h>
