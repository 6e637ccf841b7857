//===- ConstantData.cpp - float data of weight constants ------------------===//

#include "ConstantData.h"
#include "qblock/Numerics/Scale.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "llvm/ADT/Twine.h"

#include <cstdint>
#include <cstring>

using namespace mlir;

FailureOr<const float *>
qblock::getFloatData(Attribute attr, std::vector<float> &storage,
                     ConstantDataProblem *problem) {
  auto fail = [&](const Twine &message, bool malformed) {
    if (problem)
      *problem = {message.str(), malformed};
    return failure();
  };
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements || !isa<FloatType>(elements.getElementType()))
    return fail("the constant holds no float elements", false);
  Type elementType = elements.getElementType();
  bool isF32 = elementType.isF32();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    StringRef name = resource.getRawHandle().getKey();
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return fail("its dense_resource blob '" + name +
                      "' has no data (missing, or elided when printed)",
                  false);
    ArrayRef<char> bytes = blob->getData();
    int64_t count = elements.getNumElements();
    bool isF16 = elementType.isF16(), isBF16 = elementType.isBF16();
    if (!isF32 && !isF16 && !isBF16) {
      std::string typeName;
      llvm::raw_string_ostream(typeName) << elementType;
      return fail("dense_resource blobs of " + typeName +
                      " are not read; convert the weight to f32, f16 or bf16",
                  false);
    }
    int64_t width = isF32 ? 4 : 2;
    if (static_cast<int64_t>(bytes.size()) != count * width)
      return fail("its dense_resource blob '" + name + "' holds " +
                      Twine(static_cast<int64_t>(bytes.size())) +
                      " bytes, but " + Twine(count) + " values of " +
                      Twine(width) + " bytes need " + Twine(count * width),
                  true);
    if (isF32)
      return reinterpret_cast<const float *>(bytes.data());
    // Half-precision models (torch-mlir's f16/bf16 dense_resource weights):
    // widen exactly. Blobs hold the values little-endian, as MLIR writes
    // them on the hosts qblock supports.
    storage.resize(count);
    for (int64_t i = 0; i < count; ++i) {
      uint16_t bits;
      std::memcpy(&bits, bytes.data() + 2 * i, sizeof(bits));
      if (isF16) {
        storage[i] = numerics::halfToFloat(bits);
      } else {
        uint32_t wide = static_cast<uint32_t>(bits) << 16;
        std::memcpy(&storage[i], &wide, sizeof(wide));
      }
    }
    return storage.data();
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return fail("only dense<...> and dense_resource constants are read (not " +
                    attr.getAbstractAttribute().getName() + ")",
                false);
  if (isF32 && !dense.isSplat())
    return reinterpret_cast<const float *>(dense.getRawData().data());
  storage.reserve(dense.getNumElements());
  for (APFloat value : dense.getValues<APFloat>()) {
    bool losesInfo;
    value.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
    storage.push_back(value.convertToFloat());
  }
  return storage.data();
}
