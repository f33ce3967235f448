using System;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;

namespace NormGen.Tests.Safety;

/// <summary>
/// Calls a kernel entry point found by reflection with spans over native memory. Spans cannot be
/// boxed, so <see cref="MethodBase.Invoke(object, object[])"/> cannot pass them; a small dynamic
/// method builds each span from a pointer and a length and makes the call.
/// </summary>
internal sealed class SpanInvoker
{
    private readonly Action<nint[], int[], long[]> _call;

    public SpanInvoker(MethodInfo method)
    {
        Method = method;
        Parameters = method.GetParameters();
        var dynamic = new DynamicMethod($"Call{method.Name}", null, [typeof(nint[]), typeof(int[]), typeof(long[])], typeof(SpanInvoker).Module, skipVisibility: true);
        ILGenerator il = dynamic.GetILGenerator();
        for (int i = 0; i < Parameters.Length; i++)
        {
            Type type = Parameters[i].ParameterType;
            if (IsSpan(type))
            {
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldc_I4, i);
                il.Emit(OpCodes.Ldelem_I);
                il.Emit(OpCodes.Ldarg_1);
                il.Emit(OpCodes.Ldc_I4, i);
                il.Emit(OpCodes.Ldelem_I4);
                il.Emit(OpCodes.Newobj, type.GetConstructor([typeof(void*), typeof(int)])!);
            }
            else if (type == typeof(long).MakeByRefType())
            {
                il.Emit(OpCodes.Ldarg_2);
                il.Emit(OpCodes.Ldc_I4, i);
                il.Emit(OpCodes.Ldelema, typeof(long));
            }
            else if (type == typeof(long))
            {
                il.Emit(OpCodes.Ldarg_2);
                il.Emit(OpCodes.Ldc_I4, i);
                il.Emit(OpCodes.Ldelem_I8);
            }
            else
            {
                throw new NotSupportedException($"{method.DeclaringType!.Name}.{method.Name}: parameter {Parameters[i].Name} of type {type}");
            }
        }

        il.Emit(OpCodes.Call, method);
        if (method.ReturnType != typeof(void))
        {
            il.Emit(OpCodes.Pop);
        }

        il.Emit(OpCodes.Ret);
        _call = dynamic.CreateDelegate<Action<nint[], int[], long[]>>();
    }

    public MethodInfo Method { get; }

    public ParameterInfo[] Parameters { get; }

    /// <summary>Whether <paramref name="method"/> is an entry point this invoker can call: spans, and longs by value or by reference.</summary>
    public static bool CanCall(MethodInfo method) =>
        method.GetParameters().Any(p => IsSpan(p.ParameterType))
        && method.GetParameters().All(p => IsSpan(p.ParameterType) || p.ParameterType == typeof(long) || p.ParameterType == typeof(long).MakeByRefType());

    public static bool IsSpan(Type type) =>
        type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Span<>) || type.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>));

    /// <summary>Calls the method: span <c>i</c> over <c>pointers[i]</c> of <c>lengths[i]</c> elements, longs from <c>scalars[i]</c>.</summary>
    public void Invoke(nint[] pointers, int[] lengths, long[] scalars) => _call(pointers, lengths, scalars);

    public override string ToString() =>
        $"{Method.DeclaringType!.Name}.{Method.Name}({string.Join(", ", Parameters.Select(p => p.Name))})";
}
