//===- NumericsModule.cpp - qblock._qblock: the numerics core in Python ---===//
//
// A thin binding of lib/Numerics: every function here calls the same code as
// the compiler (SelectFormats, the CPU kernels' references), so packed bytes
// and decoded values agree with compiled modules bit for bit. The tensor
// <-> rows x K view (gatherRows / scatterRows) is done here too, so that the
// Python layer only deals with shapes and dtypes.
//
//===----------------------------------------------------------------------===//

#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/BlockQuant.h"
#include "qblock/Numerics/FormatBook.h"
#include "qblock/Numerics/Layout.h"
#include "qblock/Numerics/Reference.h"
#include "qblock/Numerics/Scale.h"
#include "qblock/Numerics/StoredRange.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace py = pybind11;
namespace num = qblock::numerics;

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;
using ByteArray = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>;

namespace {

//===----------------------------------------------------------------------===//
// Constructor arguments
//===----------------------------------------------------------------------===//
//
// Scheme and BCQScheme take their arguments as Python objects and check them
// here: pybind11's own conversion answers a float block or a group beyond
// int64 with a dump of every overload's signature, and turns True into 1 and
// None into False without a word.

std::string typeName(py::handle value) {
  return py::str(py::type::of(value).attr("__name__")).cast<std::string>();
}

/// The value of `value`, which has __index__ (an int, a numpy integer), as
/// an int64, or nullopt beyond int64's range.
std::optional<int64_t> indexAsInt64(py::handle value) {
  py::object asInt =
      py::reinterpret_steal<py::object>(PyNumber_Index(value.ptr()));
  if (!asInt)
    throw py::error_already_set();
  int overflow = 0;
  long long result = PyLong_AsLongLongAndOverflow(asInt.ptr(), &overflow);
  if (overflow != 0 || (result == -1 && PyErr_Occurred())) {
    PyErr_Clear();
    return std::nullopt;
  }
  return result;
}

/// An integer argument: Python ints and numpy integers, not bools or floats.
int64_t integerArgument(py::handle value, const char *name) {
  if (PyBool_Check(value.ptr()) || !PyIndex_Check(value.ptr()) ||
      py::isinstance(value, py::module_::import("numpy").attr("bool_")))
    throw py::type_error(std::string(name) + " must be an integer, got " +
                         typeName(value) + " " +
                         py::repr(value).cast<std::string>());
  if (std::optional<int64_t> result = indexAsInt64(value))
    return *result;
  throw py::value_error(std::string(name) + "=" +
                        py::str(value).cast<std::string>() +
                        " is out of range");
}

/// A string argument (a preset, rule or scale name).
std::string stringArgument(py::handle value, const char *name) {
  if (!py::isinstance<py::str>(value))
    throw py::type_error(std::string(name) + " must be a string, got " +
                         typeName(value) + " " +
                         py::repr(value).cast<std::string>());
  // A lone surrogate has no UTF-8; pybind11's cast said only "Unable to
  // cast Python instance to C++ type".
  Py_ssize_t size = 0;
  const char *text = PyUnicode_AsUTF8AndSize(value.ptr(), &size);
  if (!text) {
    PyErr_Clear();
    throw py::value_error(std::string(name) +
                          " is not valid Unicode text (it has no UTF-8 "
                          "form): " +
                          py::repr(value).cast<std::string>());
  }
  return std::string(text, size);
}

/// A flag: True or False (or a numpy bool), not 1 or None.
bool boolArgument(py::handle value, const char *name) {
  if (PyBool_Check(value.ptr()))
    return value.ptr() == Py_True;
  if (py::isinstance(value, py::module_::import("numpy").attr("bool_")))
    return py::cast<bool>(value);
  throw py::type_error(std::string(name) + " must be True or False, got " +
                       typeName(value) + " " +
                       py::repr(value).cast<std::string>());
}

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

num::SelectRule selectRuleNamed(const std::string &name) {
  if (name == "mse")
    return num::SelectRule::MSE;
  if (name == "two-stage" || name == "two_stage")
    return num::SelectRule::TwoStage;
  throw py::value_error("unknown select rule '" + name +
                        "'; expected 'mse' or 'two-stage'");
}

num::ScaleKind scaleKindNamed(const std::string &name) {
  for (num::ScaleKind kind :
       {num::ScaleKind::E8M0, num::ScaleKind::E4M3, num::ScaleKind::F16})
    if (name == num::scaleKindName(kind))
      return kind;
  throw py::value_error("unknown scale kind '" + name +
                        "'; expected 'e8m0', 'e4m3' or 'f16'");
}

struct Preset {
  const char *name;
  num::Scheme (*make)();
};

const Preset kPresets[] = {
    {"blockdialect", [] { return num::Scheme::blockDialect(); }},
    {"mxfp4", [] { return num::Scheme::mxfp4(); }},
    {"nvfp4", [] { return num::Scheme::nvfp4(); }},
    {"int4", [] { return num::Scheme::int4(); }},
    {"int8", [] { return num::Scheme::int8(); }},
};

/// The preset name a scheme prints as in IR (book and scale decide, as in
/// SchemeAttr::getPresetName), or "custom".
std::string presetName(const num::Scheme &scheme) {
  for (const Preset &preset : kPresets) {
    num::Scheme p = preset.make();
    if (p.book == scheme.book && p.scale == scheme.scale)
      return preset.name;
  }
  return "custom";
}

void checkBlockSize(int64_t block) {
  std::string problem = num::validateBlockSize(block);
  if (!problem.empty())
    throw py::value_error(problem);
}

num::Scheme makePreset(const std::string &name, int64_t block,
                       const std::string &select) {
  for (const Preset &preset : kPresets) {
    if (name != preset.name)
      continue;
    num::Scheme scheme = preset.make();
    if (block != 0)
      scheme.blockSize = block;
    checkBlockSize(scheme.blockSize);
    scheme.select = selectRuleNamed(select);
    return scheme;
  }
  throw py::value_error("unknown scheme '" + name +
                        "'; expected 'blockdialect', 'mxfp4', 'nvfp4', "
                        "'int4', 'int8' (or use Scheme.custom / BCQScheme)");
}

/// One magnitude of a custom formatbook. Magnitudes are integers in half
/// units; pybind's own conversion would reject 1.5 with a bare "incompatible
/// function arguments", so the message here says what to write instead.
int64_t bookMagnitude(py::handle item, size_t dialect, size_t index) {
  std::string where = "formatbook dialect " + std::to_string(dialect) +
                      ", magnitude " + std::to_string(index);
  if (!PyBool_Check(item.ptr()) && PyIndex_Check(item.ptr())) {
    // Range errors from huge integers are ValueErrors that name the spot.
    if (std::optional<int64_t> value = indexAsInt64(item))
      return *value;
    throw py::value_error(where + " is out of range");
  }
  if (PyFloat_Check(item.ptr())) {
    double value = PyFloat_AsDouble(item.ptr());
    if (std::isfinite(value) && value == std::nearbyint(value) &&
        std::fabs(value) < 1e15)
      return static_cast<int64_t>(value);
    throw py::type_error(where + " is " + std::string(py::str(item)) +
                         "; magnitudes are integers in half units (write " +
                         "3 for 1.5)");
  }
  throw py::type_error(where + " must be an integer (half units), got " +
                       std::string(py::str(py::type::of(item).attr("__name__"))));
}

/// A custom formatbook from any sequence of sequences of integers (lists,
/// tuples, numpy arrays).
std::vector<std::vector<int64_t>> bookFrom(py::handle book) {
  if (py::isinstance<py::str>(book) || py::isinstance<py::bytes>(book) ||
      !PySequence_Check(book.ptr()))
    throw py::type_error("the formatbook must be a list of dialects, each a "
                         "list of 8 magnitudes in half units");
  std::vector<std::vector<int64_t>> result;
  py::sequence dialects = py::reinterpret_borrow<py::sequence>(book);
  for (size_t d = 0; d < dialects.size(); ++d) {
    py::object dialect = dialects[d];
    if (py::isinstance<py::str>(dialect) ||
        !PySequence_Check(dialect.ptr()))
      throw py::type_error("formatbook dialect " + std::to_string(d) +
                           " must be a list of 8 magnitudes in half units");
    py::sequence magnitudes = py::reinterpret_borrow<py::sequence>(dialect);
    std::vector<int64_t> row;
    for (size_t i = 0; i < magnitudes.size(); ++i)
      row.push_back(bookMagnitude(magnitudes[i], d, i));
    result.push_back(std::move(row));
  }
  return result;
}

num::Scheme makeCustom(py::object bookObject, const std::string &scale,
                       int64_t block, const std::string &select) {
  std::vector<std::vector<int64_t>> book = bookFrom(bookObject);
  std::string problem = num::FormatBook::validate(book);
  if (!problem.empty())
    throw py::value_error("invalid formatbook: " + problem);
  checkBlockSize(block);
  return num::Scheme{num::FormatBook::custom(book), scaleKindNamed(scale),
                     block, selectRuleNamed(select)};
}

num::BCQScheme makeBCQ(int64_t bits, int64_t group, bool offset) {
  // The struct holds bits as an int: a count beyond it gets the core's
  // message for a count out of range, not a wrapped one.
  int clampedBits = static_cast<int>(
      std::clamp<int64_t>(bits, 0, std::numeric_limits<int>::max()));
  num::BCQScheme scheme{clampedBits, group, offset};
  if (clampedBits != bits)
    throw py::value_error("BCQ needs 1 to " + std::to_string(num::kBCQMaxBits) +
                          " bit planes, got " + std::to_string(bits));
  std::string problem = num::validateBCQScheme(scheme);
  if (!problem.empty())
    throw py::value_error(problem);
  return scheme;
}

/// The Python constructors: arguments checked as above.
num::Scheme schemeFromPython(py::handle preset, py::handle block,
                             py::handle select) {
  return makePreset(stringArgument(preset, "preset"),
                    integerArgument(block, "block"),
                    stringArgument(select, "select"));
}

num::Scheme customSchemeFromPython(py::object book, py::handle scale,
                                   py::handle block, py::handle select) {
  return makeCustom(std::move(book), stringArgument(scale, "scale"),
                    integerArgument(block, "block"),
                    stringArgument(select, "select"));
}

num::BCQScheme bcqSchemeFromPython(py::handle bits, py::handle group,
                                   py::handle offset) {
  return makeBCQ(integerArgument(bits, "bits"), integerArgument(group, "group"),
                 boolArgument(offset, "offset"));
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

/// A logical tensor viewed as rows x k with the blocked axis innermost.
struct RowsView {
  std::vector<int64_t> shape;
  int64_t axis = 0;
  int64_t rows = 0;
  int64_t k = 0;
  int64_t numElements() const { return rows * k; }
};

RowsView makeView(std::vector<int64_t> shape, int64_t axis, int64_t block,
                  const char *unit) {
  int64_t rank = static_cast<int64_t>(shape.size());
  if (rank == 0)
    throw py::value_error("a quantized tensor needs rank >= 1");
  if (axis < -rank || axis >= rank)
    throw py::value_error("axis " + std::to_string(axis) +
                          " is out of range for rank " + std::to_string(rank));
  if (axis < 0)
    axis += rank;
  RowsView view;
  view.axis = axis;
  view.k = shape[axis];
  view.rows = 1;
  for (int64_t i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      throw py::value_error("negative dimension in shape");
    if (i != axis) {
      if (shape[i] != 0 &&
          view.rows > std::numeric_limits<int64_t>::max() / shape[i])
        throw py::value_error("shape too large");
      view.rows *= shape[i];
    }
  }
  // Packed sizes are computed in int64 from rows * k (and a few bytes per
  // element): keep a margin so they cannot overflow.
  if (view.k != 0 &&
      view.rows > (std::numeric_limits<int64_t>::max() >> 8) / view.k)
    throw py::value_error("shape too large: " + std::to_string(view.rows) +
                          " rows of " + std::to_string(view.k) +
                          " elements overflow the packed size");
  if (view.k % block != 0)
    throw py::value_error("axis " + std::to_string(axis) + " has size " +
                          std::to_string(view.k) +
                          ", which is not a multiple of the " + unit + " " +
                          std::to_string(block));
  view.shape = std::move(shape);
  return view;
}

std::vector<int64_t> shapeOf(const py::array &array) {
  return std::vector<int64_t>(array.shape(), array.shape() + array.ndim());
}

/// The array as a rows x k matrix (blocked axis innermost).
std::vector<float> toRows(const FloatArray &x, const RowsView &view) {
  std::vector<float> rows(view.numElements());
  if (rows.empty())
    return rows;
  if (view.axis == static_cast<int64_t>(view.shape.size()) - 1)
    std::memcpy(rows.data(), x.data(), rows.size() * sizeof(float));
  else
    num::gatherRows(x.data(), view.shape, view.axis, rows.data());
  return rows;
}

FloatArray fromRows(const std::vector<float> &rows, const RowsView &view) {
  FloatArray out(view.shape);
  if (rows.empty())
    return out;
  float *dst = out.mutable_data();
  if (view.axis == static_cast<int64_t>(view.shape.size()) - 1)
    std::memcpy(dst, rows.data(), rows.size() * sizeof(float));
  else
    num::scatterRows(rows.data(), view.shape, view.axis, dst);
  return out;
}

ByteArray toByteArray(const std::vector<uint8_t> &bytes) {
  ByteArray out(static_cast<py::ssize_t>(bytes.size()));
  if (!bytes.empty())
    std::memcpy(out.mutable_data(), bytes.data(), bytes.size());
  return out;
}

/// Throws unless `packed` is 1-D and `expected` bytes long. Where a wrong
/// size means something more specific, `explainSize` (given the size)
/// returns the whole message; an empty one falls back to the generic.
void checkPackedSize(
    const ByteArray &packed, int64_t expected,
    const std::function<std::string(int64_t)> &explainSize = nullptr) {
  if (packed.ndim() != 1)
    throw py::value_error("packed buffer has " +
                          std::to_string(packed.ndim()) +
                          " dimensions; pass the 1-D uint8 array that "
                          "quantize returned (docs/formats.md section 7)");
  if (packed.size() == expected)
    return;
  if (explainSize)
    if (std::string message = explainSize(packed.size()); !message.empty())
      throw py::value_error(message);
  throw py::value_error("packed buffer has " + std::to_string(packed.size()) +
                        " bytes; this shape and scheme need " +
                        std::to_string(expected) +
                        " (a 1-D uint8 array, docs/formats.md section 7)");
}

/// A RuntimeWarning, as --qblock-select-formats warns, when blocks (or BCQ
/// groups) of the quantized values lie outside what `stored` keeps: any
/// above (their values are clipped: one BCQ group holding 1e6 decoded its
/// 0.5s to 13576, without a word from Python; an adversarial run,
/// 2026-12-07), or more than 1% below (a gradual loss of precision).
/// `storage` names what saturates.
void warnIfOutsideStoredRange(const num::MaximaCounts &counts,
                              const num::StoredRange &stored, const char *runs,
                              const std::string &storage) {
  if (!counts.losesPrecision())
    return;
  bool above = counts.above > 0;
  char largest[32], smallest[32], top[32], bottom[32];
  std::snprintf(largest, sizeof(largest), "%g", counts.largestMax);
  std::snprintf(smallest, sizeof(smallest), "%g", counts.smallestMax);
  std::snprintf(top, sizeof(top), "%g", stored.largest);
  std::snprintf(bottom, sizeof(bottom), "%g", stored.smallest);
  std::string message =
      "quantize: " + std::to_string(above ? counts.above : counts.below) +
      " of " + std::to_string(counts.nonZero) + " non-zero " + runs + " have ";
  if (above)
    message += std::string(stored.spanBits ? "ranges spanning more than "
                                           : "maxima above ") +
               top + " (the largest maximum is " + largest + "), where " +
               storage + " saturate; their values are clipped";
  else
    message += std::string("maxima below ") + bottom + " (the smallest is " +
               smallest + "), too small for " + storage +
               " to keep their precision";
  message += ". Scale the values into range first (and the result back).";
  if (PyErr_WarnEx(PyExc_RuntimeWarning, message.c_str(), 2) < 0)
    throw py::error_already_set(); // a warnings filter made it an error
}

/// What keeps a block scheme's scale, for warnIfOutsideStoredRange.
std::string scaleStorage(const num::Scheme &scheme) {
  switch (scheme.scale) {
  case num::ScaleKind::E4M3:
    return "E4M3 block scales";
  case num::ScaleKind::E8M0:
    return "E8M0 block scales";
  default:
    return "F16 block scales";
  }
}

//===----------------------------------------------------------------------===//
// Block schemes
//===----------------------------------------------------------------------===//

ByteArray quantize(const FloatArray &x, const num::Scheme &scheme,
                   int64_t axis) {
  RowsView view = makeView(shapeOf(x), axis, scheme.blockSize, "block size");
  std::vector<uint8_t> packed;
  std::optional<num::StoredRange> stored = num::storedRange(scheme);
  num::MaximaCounts counts;
  {
    std::vector<float> rows = toRows(x, view);
    py::gil_scoped_release release;
    packed = num::quantizeMatrix(rows.data(), view.rows, view.k, scheme);
    if (stored)
      num::countMaxima(rows.data(), rows.size(), scheme.blockSize, *stored,
                       counts);
  }
  if (stored)
    warnIfOutsideStoredRange(counts, *stored, "blocks", scaleStorage(scheme));
  return toByteArray(packed);
}

FloatArray dequantize(const ByteArray &packed, std::vector<int64_t> shape,
                      const num::Scheme &scheme, int64_t axis) {
  RowsView view =
      makeView(std::move(shape), axis, scheme.blockSize, "block size");
  num::BlockLayout layout = num::computeLayout(view.rows, view.k, scheme);
  checkPackedSize(packed, layout.totalBytes);
  std::vector<float> rows(view.numElements());
  {
    py::gil_scoped_release release;
    num::dequantizeRows(packed.data(), layout, scheme, 0, view.rows,
                        rows.data());
  }
  return fromRows(rows, view);
}

/// Element codes (rows x k), dialect ids and scale codes (rows x blocks), in
/// the rows view; the Python layer moves the blocked axis back.
py::tuple unpack(const ByteArray &packed, std::vector<int64_t> shape,
                 const num::Scheme &scheme, int64_t axis) {
  RowsView view =
      makeView(std::move(shape), axis, scheme.blockSize, "block size");
  num::BlockLayout layout = num::computeLayout(view.rows, view.k, scheme);
  checkPackedSize(packed, layout.totalBytes);
  int64_t blocks = layout.blocksPerRow;
  py::array_t<uint8_t> codes({view.rows, view.k});
  py::array_t<uint8_t> dialects({view.rows, blocks});
  py::array_t<uint16_t> scales({view.rows, blocks});
  uint8_t *c = codes.mutable_data();
  uint8_t *d = dialects.mutable_data();
  uint16_t *s = scales.mutable_data();
  num::QuantizedBlock block;
  // Without blocks, 2^40 empty rows would take minutes with the GIL held.
  for (int64_t r = 0; blocks > 0 && r < view.rows; ++r) {
    for (int64_t b = 0; b < blocks; ++b) {
      num::unpackBlock(packed.data(), layout, r, b, block);
      std::memcpy(c + r * view.k + b * scheme.blockSize, block.codes,
                  scheme.blockSize);
      d[r * blocks + b] = block.dialect;
      s[r * blocks + b] = block.scaleCode;
    }
  }
  return py::make_tuple(codes, dialects, scales);
}

int64_t storageBytes(std::vector<int64_t> shape, const num::Scheme &scheme,
                     int64_t axis) {
  RowsView view =
      makeView(std::move(shape), axis, scheme.blockSize, "block size");
  return num::computeLayout(view.rows, view.k, scheme).totalBytes;
}

py::dict layoutOf(std::vector<int64_t> shape, const num::Scheme &scheme,
                  int64_t axis) {
  RowsView view =
      makeView(std::move(shape), axis, scheme.blockSize, "block size");
  num::BlockLayout l = num::computeLayout(view.rows, view.k, scheme);
  py::dict d;
  d["rows"] = l.rows;
  d["k"] = l.k;
  d["block"] = l.blockSize;
  d["blocks_per_row"] = l.blocksPerRow;
  d["codes_offset"] = l.codesOffset;
  d["codes_bytes"] = l.codesBytes;
  d["dialects_offset"] = l.dialectsOffset;
  d["dialects_bytes"] = l.dialectsBytes;
  d["scales_offset"] = l.scalesOffset;
  d["scales_bytes"] = l.scalesBytes;
  d["scale_bytes_per_code"] = l.scaleBytesPerCode;
  d["total_bytes"] = l.totalBytes;
  return d;
}

//===----------------------------------------------------------------------===//
// BCQ
//===----------------------------------------------------------------------===//

ByteArray quantizeBCQ(const FloatArray &x, const num::BCQScheme &scheme,
                      int64_t axis, int iterations) {
  if (iterations < 0)
    throw py::value_error("iterations must be >= 0");
  RowsView view = makeView(shapeOf(x), axis, scheme.group, "BCQ group size");
  std::vector<uint8_t> packed;
  num::StoredRange stored = num::storedRange(scheme);
  num::MaximaCounts counts;
  {
    std::vector<float> rows = toRows(x, view);
    py::gil_scoped_release release;
    packed = num::fitBCQ(rows.data(), view.rows, view.k, scheme, iterations);
    num::countMaxima(rows.data(), rows.size(), scheme.group, stored, counts);
  }
  warnIfOutsideStoredRange(counts, stored, "groups",
                           "BCQ's f16 alphas and offsets");
  return toByteArray(packed);
}

FloatArray dequantizeBCQ(const ByteArray &packed, std::vector<int64_t> shape,
                         const num::BCQScheme &scheme, int64_t axis) {
  RowsView view =
      makeView(std::move(shape), axis, scheme.group, "BCQ group size");
  num::BCQLayout layout = num::computeBCQLayout(view.rows, view.k, scheme);
  // Data of the format with f32 alphas and offsets (until 2026-12-05)
  // would read as garbage; where its size tells, say which format it is.
  checkPackedSize(packed, layout.totalBytes, [&](int64_t size) {
    if (size != num::bcqBytesWithF32Params(view.rows, view.k, scheme))
      return std::string();
    return "packed buffer has " + std::to_string(size) +
           " bytes, the size of BCQ data with f32 alphas and offsets (the "
           "format before 2026-12-05); this shape and scheme need " +
           std::to_string(layout.totalBytes) +
           ": quantize the weights again, alphas and offsets are f16 now "
           "(docs/formats.md section 8.1)";
  });
  std::vector<float> rows(view.numElements());
  {
    py::gil_scoped_release release;
    num::dequantizeBCQRows(packed.data(), layout, scheme, 0, view.rows,
                           rows.data());
  }
  return fromRows(rows, view);
}

int64_t storageBytesBCQ(std::vector<int64_t> shape,
                        const num::BCQScheme &scheme, int64_t axis) {
  RowsView view =
      makeView(std::move(shape), axis, scheme.group, "BCQ group size");
  return num::computeBCQLayout(view.rows, view.k, scheme).totalBytes;
}

py::dict layoutOfBCQ(std::vector<int64_t> shape, const num::BCQScheme &scheme,
                     int64_t axis) {
  RowsView view =
      makeView(std::move(shape), axis, scheme.group, "BCQ group size");
  num::BCQLayout l = num::computeBCQLayout(view.rows, view.k, scheme);
  py::dict d;
  d["rows"] = l.rows;
  d["k"] = l.k;
  d["groups_per_row"] = l.groupsPerRow;
  d["planes_offset"] = l.planesOffset;
  d["planes_bytes"] = l.planesBytes;
  d["alphas_offset"] = l.alphasOffset;
  d["alphas_bytes"] = l.alphasBytes;
  d["offsets_offset"] = l.offsetsOffset;
  d["offsets_bytes"] = l.offsetsBytes;
  d["total_bytes"] = l.totalBytes;
  return d;
}

/// What the integer path (acts=...) computes for a (M x K) times w (K x N):
/// both quantized as the compiler quantizes them (activations along K at run
/// time, weights by --qblock-select-formats), then numerics'
/// referenceIntegerGemm, bit for bit what the compiled kernels return.
FloatArray integerMatmul(const FloatArray &a, const FloatArray &w,
                         const num::Scheme &weightScheme,
                         const num::Scheme &actScheme,
                         std::optional<FloatArray> init) {
  if (a.ndim() != 2 || w.ndim() != 2)
    throw py::value_error("expected a 2-D a (M x K) and w (K x N), got a " +
                          std::to_string(a.ndim()) + "-D a and a " +
                          std::to_string(w.ndim()) + "-D w");
  if (a.shape(1) != w.shape(0))
    throw py::value_error("expected a (M x K) and w (K x N) with the same K, "
                          "got K = " +
                          std::to_string(a.shape(1)) + " and " +
                          std::to_string(w.shape(0)));
  if (actScheme.blockSize != weightScheme.blockSize)
    throw py::value_error("activation and weight block sizes must be equal "
                          "so that blocks pair up");
  int64_t m = a.shape(0), k = a.shape(1), n = w.shape(1);
  if (init && (init->ndim() != 2 || init->shape(0) != m ||
               init->shape(1) != n))
    throw py::value_error("init must be M x N");
  RowsView actView = makeView(shapeOf(a), 1, actScheme.blockSize, "block size");
  RowsView weightView =
      makeView(shapeOf(w), 0, weightScheme.blockSize, "block size");
  std::vector<float> actRows = toRows(a, actView);
  std::vector<float> weightRows = toRows(w, weightView);
  FloatArray out(std::vector<int64_t>{m, n});
  // No output, no work: the reference would still step through 2^40 empty
  // rows of (2^40 x 0) @ (0 x 0).
  if (m == 0 || n == 0)
    return out;
  const float *initData = init ? init->data() : nullptr;
  float *c = out.mutable_data();
  {
    py::gil_scoped_release release;
    std::vector<uint8_t> acts =
        num::quantizeMatrix(actRows.data(), m, k, actScheme);
    std::vector<uint8_t> weights =
        num::quantizeMatrix(weightRows.data(), n, k, weightScheme);
    num::referenceIntegerGemm(
        acts.data(), num::computeLayout(m, k, actScheme), actScheme,
        weights.data(), num::computeLayout(n, k, weightScheme), weightScheme,
        initData, c);
  }
  return out;
}

double relMSE(const FloatArray &a, const FloatArray &b) {
  if (shapeOf(a) != shapeOf(b))
    throw py::value_error("rel_mse needs two arrays of the same shape");
  return num::relativeMSE(a.data(), b.data(), a.size());
}

} // namespace

PYBIND11_MODULE(_qblock, m) {
  m.doc() = "qblock numerics core (lib/Numerics); use the qblock package";

  py::class_<num::Scheme>(m, "Scheme", R"doc(
A block-wise quantization scheme: formatbook, scale kind, block size and
dialect selection rule (docs/formats.md).

    Scheme("blockdialect")                       # DialectFP4, E8M0, block 32, mse
    Scheme("blockdialect", block=16, select="two-stage")
    Scheme("mxfp4"); Scheme("nvfp4"); Scheme("int4")
    Scheme("int8")                               # 8-bit codes (activations)
    Scheme.custom([[0, 1, 2, 3, 4, 5, 6, 8]], scale="e8m0", block=32)

``block=0`` keeps the preset's default (32; 16 for nvfp4).)doc")
      .def(py::init(&schemeFromPython), py::arg("preset") = "blockdialect",
           py::arg("block") = 0, py::arg("select") = "mse")
      .def_static("custom", &customSchemeFromPython, py::arg("book"),
                  py::arg("scale") = "e8m0", py::arg("block") = 32,
                  py::arg("select") = "mse",
                  "A scheme with a custom formatbook: a list of 1 to 16 "
                  "dialects of 8 strictly increasing magnitudes in half "
                  "units, starting at 0.")
      .def_property_readonly("preset", &presetName,
                             "'blockdialect', 'mxfp4', 'nvfp4', 'int4', "
                             "'int8' or 'custom' (as the scheme prints in IR)")
      .def_property_readonly("block",
                             [](const num::Scheme &s) { return s.blockSize; })
      .def_property_readonly(
          "select",
          [](const num::Scheme &s) { return num::selectRuleName(s.select); })
      .def_property_readonly(
          "scale",
          [](const num::Scheme &s) { return num::scaleKindName(s.scale); })
      .def_property_readonly(
          "book",
          [](const num::Scheme &s) {
            std::vector<std::vector<int>> tables;
            for (const num::DialectTable &t : s.book.dialects())
              tables.emplace_back(t.begin(), t.end());
            return tables;
          },
          "The dialect tables, in half units (value = k / 2 before scaling).")
      .def_property_readonly(
          "book_name",
          [](const num::Scheme &s) { return s.book.builtinName(); })
      .def_property_readonly("num_dialects",
                             [](const num::Scheme &s) { return s.book.size(); })
      .def_property_readonly("bits_per_element", &num::Scheme::bitsPerElement)
      .def(
          "__eq__",
          [](const num::Scheme &a, const num::Scheme &b) { return a == b; },
          py::is_operator())
      .def("__hash__",
           [](const num::Scheme &s) {
             return py::hash(py::make_tuple(presetName(s), s.blockSize,
                                            static_cast<int>(s.select),
                                            static_cast<int>(s.scale)));
           })
      // Pickling (multiprocessing, caches): a preset by name, anything else
      // by its book; either way through the constructors' checks.
      .def(py::pickle(
          [](const num::Scheme &s) {
            return py::make_tuple(presetName(s), py::cast(s).attr("book"),
                                  num::scaleKindName(s.scale), s.blockSize,
                                  num::selectRuleName(s.select));
          },
          [](const py::tuple &state) {
            if (state.size() != 5)
              throw py::value_error("invalid pickled Scheme state");
            std::string preset = state[0].cast<std::string>();
            int64_t block = state[3].cast<int64_t>();
            std::string select = state[4].cast<std::string>();
            if (preset != "custom")
              return makePreset(preset, block, select);
            return makeCustom(state[1], state[2].cast<std::string>(), block,
                              select);
          }))
      .def("__repr__", [](const num::Scheme &s) {
        std::string preset = presetName(s);
        std::string text =
            preset == "custom"
                ? "Scheme.custom(" +
                      py::str(py::cast(s).attr("book")).cast<std::string>() +
                      ", scale='" + num::scaleKindName(s.scale) + "'"
                : "Scheme('" + preset + "'";
        text += ", block=" + std::to_string(s.blockSize) + ", select='" +
                num::selectRuleName(s.select) + "')";
        return text;
      });

  py::class_<num::BCQScheme>(m, "BCQScheme", R"doc(
Binary-coding quantization for LUT-GEMM: per group of ``group`` elements along
the blocked axis, ``w = sum_i alpha_i * b_i + z`` with ``bits`` planes
``b_i`` in {-1, +1} (docs/formats.md section 8).)doc")
      .def(py::init(&bcqSchemeFromPython), py::arg("bits") = 3,
           py::arg("group") = 128, py::arg("offset") = true)
      .def_readonly("bits", &num::BCQScheme::bits)
      .def_readonly("group", &num::BCQScheme::group)
      .def_readonly("offset", &num::BCQScheme::offset)
      .def_property_readonly("bits_per_element",
                             &num::BCQScheme::bitsPerElement)
      .def(
          "__eq__",
          [](const num::BCQScheme &a, const num::BCQScheme &b) {
            return a.bits == b.bits && a.group == b.group &&
                   a.offset == b.offset;
          },
          py::is_operator())
      .def("__hash__",
           [](const num::BCQScheme &s) {
             return py::hash(py::make_tuple(s.bits, s.group, s.offset));
           })
      .def(py::pickle(
          [](const num::BCQScheme &s) {
            return py::make_tuple(s.bits, s.group, s.offset);
          },
          [](const py::tuple &state) {
            if (state.size() != 3)
              throw py::value_error("invalid pickled BCQScheme state");
            return makeBCQ(state[0].cast<int>(), state[1].cast<int64_t>(),
                           state[2].cast<bool>());
          }))
      .def("__repr__", [](const num::BCQScheme &s) {
        return "BCQScheme(bits=" + std::to_string(s.bits) +
               ", group=" + std::to_string(s.group) +
               ", offset=" + (s.offset ? "True" : "False") + ")";
      });

  m.def("quantize", &quantize, py::arg("x"), py::arg("scheme"),
        py::arg("axis"));
  m.def("dequantize", &dequantize, py::arg("packed"), py::arg("shape"),
        py::arg("scheme"), py::arg("axis"));
  m.def("unpack", &unpack, py::arg("packed"), py::arg("shape"),
        py::arg("scheme"), py::arg("axis"));
  m.def("storage_bytes", &storageBytes, py::arg("shape"), py::arg("scheme"),
        py::arg("axis"));
  m.def("layout", &layoutOf, py::arg("shape"), py::arg("scheme"),
        py::arg("axis"));
  m.def("quantize", &quantizeBCQ, py::arg("x"), py::arg("scheme"),
        py::arg("axis"), py::arg("iterations") = 8);
  m.def("dequantize", &dequantizeBCQ, py::arg("packed"), py::arg("shape"),
        py::arg("scheme"), py::arg("axis"));
  m.def("storage_bytes", &storageBytesBCQ, py::arg("shape"), py::arg("scheme"),
        py::arg("axis"));
  m.def("layout", &layoutOfBCQ, py::arg("shape"), py::arg("scheme"),
        py::arg("axis"));
  m.def("rel_mse", &relMSE, py::arg("reference"), py::arg("approximation"));
  m.def("integer_matmul", &integerMatmul, py::arg("a"), py::arg("w"),
        py::arg("weight_scheme"), py::arg("act_scheme"),
        py::arg("init") = py::none());
  m.def(
      "decode_scale",
      [](const std::string &kind, uint16_t code) {
        return num::decodeScale(scaleKindNamed(kind), code);
      },
      py::arg("kind"), py::arg("code"));
}
