using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Xunit;

namespace NormGen.Tests.Safety;

/// <summary>
/// Every public entry point of every kind of kernel, called with each span placed so that it ends
/// exactly where an inaccessible page begins. With exact sizes the call completes (a single element
/// read or written past any span would fault the process); with any one span an element short, it
/// throws <see cref="ArgumentException"/> naming that span, before touching memory.
/// </summary>
public sealed unsafe class GuardedMemoryTests
{
    /// <summary>What each span of a kernel holds, in elements, for two samples (or three rows of the B,T,D kernels).</summary>
    private sealed record Geometry(int Tensor, int Parameters, int Statistics, int Channels, long ValuesPerChannel);

    // Written from the declarations in GuardedNorms, not read from the kernels.
    private static readonly Dictionary<string, Geometry> Geometries = new()
    {
        ["LayerNorm"] = new(Tensor: 2 * 90, Parameters: 90, Statistics: 2, Channels: 0, ValuesPerChannel: 0),
        ["RmsNorm"] = new(Tensor: 2 * 90, Parameters: 5, Statistics: 2 * 18, Channels: 0, ValuesPerChannel: 0),
        ["FusedNorm"] = new(Tensor: 3 * 37, Parameters: 37, Statistics: 3, Channels: 0, ValuesPerChannel: 0),
        ["HalfNorm"] = new(Tensor: 3 * 19, Parameters: 19, Statistics: 3, Channels: 0, ValuesPerChannel: 0),
        ["ChannelsFirst"] = new(Tensor: 2 * 90, Parameters: 6, Statistics: 2 * 15, Channels: 0, ValuesPerChannel: 0),
        ["BatchNorm"] = new(Tensor: 2 * 90, Parameters: 6, Statistics: 6, Channels: 6, ValuesPerChannel: 2 * 15),
        ["BatchNormLast"] = new(Tensor: 2 * 90, Parameters: 6, Statistics: 6, Channels: 6, ValuesPerChannel: 2 * 15),
        ["GroupNorm"] = new(Tensor: 2 * 90, Parameters: 6, Statistics: 2 * 3, Channels: 6, ValuesPerChannel: 0),
        ["GroupNormLast"] = new(Tensor: 2 * 90, Parameters: 6, Statistics: 2 * 2, Channels: 6, ValuesPerChannel: 0),
        ["InstanceNorm"] = new(Tensor: 2 * 90, Parameters: 6, Statistics: 2 * 6, Channels: 6, ValuesPerChannel: 0),
        ["InstanceNormPlain"] = new(Tensor: 2 * 90, Parameters: 6, Statistics: 2 * 6, Channels: 6, ValuesPerChannel: 0),
    };

    private static readonly string[] TensorArguments = ["input", "output", "gradOutput", "gradInput", "residual", "residualOutput"];
    private static readonly string[] ParameterArguments = ["weight", "bias", "gradWeight", "gradBias", "inputBias", "gradInputBias"];
    private static readonly string[] StatisticsArguments = ["mean", "rstd"];
    private static readonly string[] ChannelArguments = ["runningMean", "runningVar", "saveMean", "saveRstd", "m2", "sumGradOutput", "sumGradOutputXhat"];

    public static TheoryData<string> EntryPoints => new(KernelTypes().SelectMany(EntryPointsOf).Select(invoker => invoker.ToString()));

    [Fact]
    public void Every_kernel_of_the_declaration_has_a_geometry_and_entry_points()
    {
        Assert.Equal(Geometries.Keys.Order(), KernelTypes().Select(t => t.Name).Order());
        Assert.All(KernelTypes(), type => Assert.NotEmpty(EntryPointsOf(type)));
        int entryPoints = KernelTypes().SelectMany(EntryPointsOf).Count();
        Assert.True(entryPoints >= 40, $"only {entryPoints} entry points");
    }

    [Fact]
    public void The_page_right_after_a_guarded_buffer_can_be_neither_read_nor_written()
    {
        using var memory = new GuardedMemory(100 * sizeof(float));
        Span<float> buffer = memory.Tail<float>(100);
        buffer.Fill(1);

        Assert.Equal((nint)memory.End, (nint)Unsafe.AsPointer(ref buffer[^1]) + sizeof(float));
        Assert.Equal("---p", PermissionsOfMappingAt((nint)memory.End));
        Assert.Equal("rw-p", PermissionsOfMappingAt((nint)memory.End - 1));
    }

    [Theory]
    [MemberData(nameof(EntryPoints))]
    public void Exact_sizes_at_the_end_of_guarded_memory_run_to_completion(string entryPoint) => Run(Find(entryPoint), shortArgument: -1);

    [Theory]
    [MemberData(nameof(EntryPoints))]
    public void A_span_one_element_short_is_an_argument_exception_naming_it(string entryPoint)
    {
        SpanInvoker invoker = Find(entryPoint);
        for (int i = 0; i < invoker.Parameters.Length; i++)
        {
            if (!SpanInvoker.IsSpan(invoker.Parameters[i].ParameterType))
            {
                continue;
            }

            ArgumentException exception = Assert.ThrowsAny<ArgumentException>(() => Run(invoker, shortArgument: i));
            Assert.Equal(invoker.Parameters[i].Name, exception.ParamName);
        }
    }

    private static void Run(SpanInvoker invoker, int shortArgument)
    {
        Geometry geometry = Geometries[invoker.Method.DeclaringType!.Name];
        ParameterInfo[] parameters = invoker.Parameters;
        var memory = new List<GuardedMemory>();
        var pointers = new nint[parameters.Length];
        var lengths = new int[parameters.Length];
        var scalars = new long[parameters.Length];
        try
        {
            for (int i = 0; i < parameters.Length; i++)
            {
                Type type = parameters[i].ParameterType;
                if (!SpanInvoker.IsSpan(type))
                {
                    // `count` of the synchronized BatchNorm is the values per channel over every device; the
                    // tracked-batches counter starts at zero.
                    scalars[i] = parameters[i].Name == "count" ? geometry.ValuesPerChannel : 0;
                    continue;
                }

                int length = LengthOf(parameters[i].Name!, geometry, invoker) - (i == shortArgument ? 1 : 0);
                Type element = type.GetGenericArguments()[0];
                int size = Marshal.SizeOf(element);
                var guarded = new GuardedMemory(length * size);
                memory.Add(guarded);
                byte* start = guarded.End - (length * size);
                Fill(start, length, element);
                pointers[i] = (nint)start;
                lengths[i] = length;
            }

            invoker.Invoke(pointers, lengths, scalars);
        }
        finally
        {
            memory.ForEach(m => m.Dispose());
        }
    }

    /// <summary>The permissions the kernel holds for the page at <paramref name="address"/>, as /proc/self/maps lists them.</summary>
    private static string PermissionsOfMappingAt(nint address)
    {
        foreach (string line in System.IO.File.ReadLines("/proc/self/maps"))
        {
            string[] fields = line.Split(' ', 3);
            string[] range = fields[0].Split('-');
            ulong start = Convert.ToUInt64(range[0], 16), end = Convert.ToUInt64(range[1], 16);
            if ((ulong)address >= start && (ulong)address < end)
            {
                return fields[1];
            }
        }

        return "unmapped";
    }

    private static int LengthOf(string argument, Geometry geometry, SpanInvoker invoker) =>
        TensorArguments.Contains(argument) ? geometry.Tensor
        : ParameterArguments.Contains(argument) ? geometry.Parameters
        : StatisticsArguments.Contains(argument) ? geometry.Statistics
        : ChannelArguments.Contains(argument) ? geometry.Channels
        : throw new InvalidOperationException($"{invoker}: no length known for '{argument}'");

    /// <summary>Ones: positive variances and rstd, unit weights; the values don't matter for memory safety.</summary>
    private static void Fill(byte* start, int length, Type element)
    {
        for (int i = 0; i < length; i++)
        {
            if (element == typeof(float))
            {
                ((float*)start)[i] = 1 + (i % 7) * 0.25f;
            }
            else if (element == typeof(double))
            {
                ((double*)start)[i] = 1 + (i % 7) * 0.25;
            }
            else if (element == typeof(Half))
            {
                ((Half*)start)[i] = (Half)(1 + (i % 7) * 0.25f);
            }
            else
            {
                throw new NotSupportedException(element.Name);
            }
        }
    }

    private static IEnumerable<Type> KernelTypes() =>
        typeof(GuardedNorms).GetNestedTypes().Where(t => t.GetCustomAttribute<System.CodeDom.Compiler.GeneratedCodeAttribute>() is not null);

    private static IEnumerable<SpanInvoker> EntryPointsOf(Type kernel) =>
        kernel.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(SpanInvoker.CanCall)
            .Select(method => new SpanInvoker(method));

    private static SpanInvoker Find(string entryPoint) =>
        KernelTypes().SelectMany(EntryPointsOf).Single(invoker => invoker.ToString() == entryPoint);
}
