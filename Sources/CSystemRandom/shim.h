// getrandom(2): the kernel CSPRNG without a file descriptor (not exported by the Glibc module).
#include <sys/random.h>
