//===- LoadedLibrary.h - Symbols of libraries the JIT already loaded ------===//
//
// The package asks libraries the JIT loaded for a function of theirs (the
// OpenMP runtime's nesting level, qblock's CUDA runtime's load error), and
// must ask that very copy: another library of the same name would not know
// its state.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_PYTHON_LOADEDLIBRARY_H
#define QBLOCK_PYTHON_LOADEDLIBRARY_H

#include <dlfcn.h>

#include <string>

namespace qblock::python {

/// `name` in the library at `path` if the process has loaded it already,
/// else null (a library not loaded is not loaded by this).
inline void *symbolOfLoadedLibrary(const std::string &path, const char *name) {
  void *handle = ::dlopen(path.c_str(), RTLD_NOLOAD | RTLD_LAZY);
  if (!handle)
    return nullptr;
  void *symbol = ::dlsym(handle, name);
  ::dlclose(handle); // RTLD_NOLOAD took a reference; the JIT keeps one
  return symbol;
}

} // namespace qblock::python

#endif // QBLOCK_PYTHON_LOADEDLIBRARY_H
