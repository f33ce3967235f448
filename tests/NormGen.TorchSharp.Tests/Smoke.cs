using static TorchSharp.torch;
using NormGen.Tests.Support;
using Xunit;

namespace NormGen.TorchModules.Tests;

public sealed class Smoke
{
    [TorchSharpFact]
    public void Runs()
    {
        using var m = new Rows32.LnModule();
        using var x = randn(2, 3, 48, requires_grad: true);
        var y = m.forward(x);
        y.sum().backward();
        Assert.NotNull(x.grad);
    }
}
