using Xunit;

// The sample-parity tests seed libtorch's global generator before building each model; tests running at
// the same time would draw from it in between. The whole suite takes seconds, so it runs one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
