//===- ConstantData.cpp - float data of weight constants ------------------===//

#include "ConstantData.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

FailureOr<const float *> qblock::getFloatData(Attribute attr,
                                              std::vector<float> &storage) {
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements || !isa<FloatType>(elements.getElementType()))
    return failure();
  bool isF32 = elements.getElementType().isF32();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return failure();
    ArrayRef<char> bytes = blob->getData();
    if (isF32 && static_cast<int64_t>(bytes.size()) ==
                     elements.getNumElements() * 4)
      return reinterpret_cast<const float *>(bytes.data());
    return failure();
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
