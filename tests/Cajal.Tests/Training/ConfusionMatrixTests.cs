using Cajal.Training;

namespace Cajal.Tests.Training;

public class ConfusionMatrixTests
{
    [Fact]
    public void Counts_argmax_predictions_and_derives_accuracy_precision_and_recall()
    {
        var m = new ConfusionMatrix(3);
        var logits = Tensor.FromArray(new float[,] { { 5, 1, 0 }, { 0, 3, 1 }, { 0, 3, 1 }, { 1, 0, 2 }, { 9, 0, 0 } });
        m.Add(logits, Tensor.FromArray(new long[] { 0, 1, 2, 2, 2 }));
        Assert.Equal(5, m.Total);
        Assert.Equal(3.0 / 5, m.Accuracy, 12);
        Assert.Equal(1, m[2, 1]);
        Assert.Equal(0.5, m.Precision(0), 12);      // predicted 0 twice, once right
        Assert.Equal(1.0 / 3, m.Recall(2), 12);     // class 2 three times, once right
        Assert.True(double.IsNaN(new ConfusionMatrix(2).Precision(0)));
        Assert.Contains("recall", m.Format(["a", "b", "c"]));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Add(3, 0));
        Assert.Throws<ArgumentException>(() => m.Add(logits, Tensor.FromArray(new long[] { 0 })));
    }
}
