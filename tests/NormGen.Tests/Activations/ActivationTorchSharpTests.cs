using System;
using System.Runtime.InteropServices;
using NormGen.Tests.Support;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace NormGen.Tests.ActivationKernels;

/// <summary>
/// The activations and their backward passes against TorchSharp's <c>relu</c>, <c>gelu</c> (exact and
/// tanh) and <c>silu</c> with autograd, in float and double, over a length that is no multiple of a vector.
/// </summary>
public class ActivationTorchSharpTests
{
    private const int Length = 4099;

    [TorchSharpFact]
    public void Float_activations_match_torch_forward_and_backward()
    {
        foreach (ActivationKind kind in Enum.GetValues<ActivationKind>())
        {
            float[] z = Array.ConvertAll(TestData.Normal(Length, 11, std: 3), v => (float)v);
            float[] dy = Array.ConvertAll(TestData.Normal(Length, 12), v => (float)v);
            using var scope = NewDisposeScope();
            Tensor input = tensor(z).requires_grad_(true);
            Tensor output = Torch(kind, input);
            output.backward([tensor(dy)]);

            float[] y = new float[Length], dz = (float[])dy.Clone();
            ActivationReference.Forward(kind, z, y);
            ActivationReference.Backward(kind, z, dz);

            // PyTorch's own float erf and exp are float approximations too: a few float ulps apart, scaled by |z|.
            AssertClose(Read<float>(output), y, z, 1e-6, $"{kind} y");
            AssertClose(Read<float>(input.grad!), dz, z, 2e-6, $"{kind} dz");
        }
    }

    [TorchSharpFact]
    public void Double_activations_match_torch_forward_and_backward()
    {
        foreach (ActivationKind kind in Enum.GetValues<ActivationKind>())
        {
            double[] z = TestData.Normal(Length, 13, std: 3), dy = TestData.Normal(Length, 14);
            using var scope = NewDisposeScope();
            Tensor input = tensor(z).requires_grad_(true);
            Tensor output = Torch(kind, input);
            output.backward([tensor(dy)]);

            double[] y = new double[Length], dz = (double[])dy.Clone();
            ActivationReference.Forward(kind, z, y);
            ActivationReference.Backward(kind, z, dz);

            AssertClose(Read<double>(output), y, Array.ConvertAll(z, v => (float)v), 1e-14, $"{kind} y");
            AssertClose(Read<double>(input.grad!), dz, Array.ConvertAll(z, v => (float)v), 1e-14, $"{kind} dz");
        }
    }

    private static Tensor Torch(ActivationKind kind, Tensor x) => kind switch
    {
        ActivationKind.Relu => nn.functional.relu(x),
        ActivationKind.Gelu => nn.functional.gelu(x),
        ActivationKind.GeluTanh => nn.functional.gelu(x, GELU.Approximate.tanh, false),
        ActivationKind.Silu => nn.functional.silu(x, false),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static T[] Read<T>(Tensor t)
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(t.contiguous().bytes).ToArray();

    private static void AssertClose<T>(T[] expected, T[] actual, float[] z, double tolerance, string what)
        where T : unmanaged, IConvertible
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i].ToDouble(null), a = actual[i].ToDouble(null);
            Assert.True(Math.Abs(a - e) <= tolerance * Math.Max(1, Math.Abs(z[i])), $"{what}[{i}] at z = {z[i]:R}: {a:R}, torch {e:R}");
        }
    }
}
