//===- ConstantData.cpp - float data of weight constants ------------------===//

#include "ConstantData.h"
#include "qblock/Numerics/Scale.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstdint>
#include <cstring>

using namespace mlir;

FailureOr<const float *> qblock::getFloatData(Attribute attr,
                                              std::vector<float> &storage) {
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements || !isa<FloatType>(elements.getElementType()))
    return failure();
  Type elementType = elements.getElementType();
  bool isF32 = elementType.isF32();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return failure();
    ArrayRef<char> bytes = blob->getData();
    int64_t count = elements.getNumElements();
    if (isF32 && static_cast<int64_t>(bytes.size()) == count * 4)
      return reinterpret_cast<const float *>(bytes.data());
    // Half-precision models (torch-mlir's f16/bf16 dense_resource weights):
    // widen exactly. Blobs hold the values little-endian, as MLIR writes
    // them on the hosts qblock supports.
    bool isF16 = elementType.isF16(), isBF16 = elementType.isBF16();
    if (!(isF16 || isBF16) || static_cast<int64_t>(bytes.size()) != count * 2)
      return failure();
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
    return failure();
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
