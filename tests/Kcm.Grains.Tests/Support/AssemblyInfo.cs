// Clusters, training and ONNX sessions share two cores: one test collection at a time keeps timings honest.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
