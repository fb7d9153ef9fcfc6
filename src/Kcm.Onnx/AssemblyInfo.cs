namespace Kcm.Onnx;
