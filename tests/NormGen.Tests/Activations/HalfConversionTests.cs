using System;
using NormGen.Kernels;
using Xunit;

namespace NormGen.Tests.ActivationKernels;

/// <summary>Half ⇄ float conversion: exact widening of every Half, round-to-nearest-even narrowing, length checks.</summary>
public class HalfConversionTests
{
    [Fact]
    public void Every_half_widens_exactly()
    {
        var all = new Half[65536];
        for (int bits = 0; bits < all.Length; bits++)
        {
            all[bits] = BitConverter.UInt16BitsToHalf((ushort)bits);
        }

        var widened = new float[all.Length];
        HalfConversion.ToSingle(all, widened);
        for (int i = 0; i < all.Length; i++)
        {
            float expected = (float)all[i];
            Assert.True(expected.Equals(widened[i]), $"0x{i:X4}: {widened[i]:R}, expected {expected:R}");
        }
    }

    [Fact]
    public void Floats_round_to_the_nearest_half_as_the_cast_does()
    {
        var random = new Random(21);
        var floats = new float[100_003];
        for (int i = 0; i < floats.Length; i++)
        {
            // Random bit patterns around Half's range: normals, subnormals, overflow, ties, NaN.
            floats[i] = i % 3 == 0
                ? BitConverter.Int32BitsToSingle(random.Next())
                : (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-30, 20)));
        }

        floats[0] = 65520f;                // rounds to +∞
        floats[1] = 65519.99f;             // rounds to 65504
        floats[2] = 1f + 1f / 2048;        // a tie: to even, 1
        floats[3] = float.NaN;

        var halves = new Half[floats.Length];
        HalfConversion.ToHalf(floats, halves);
        for (int i = 0; i < floats.Length; i++)
        {
            Half expected = (Half)floats[i];
            Assert.True(expected.Equals(halves[i]), $"{floats[i]:R}: {halves[i]}, expected {expected}");
        }
    }

    [Fact]
    public void Lengths_must_match()
    {
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => HalfConversion.ToSingle(new Half[4], new float[3])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => HalfConversion.ToHalf(new float[4], new Half[5])).ParamName);
    }
}
