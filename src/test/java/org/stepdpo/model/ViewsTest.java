package org.stepdpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class ViewsTest {
    @Test
    void aRangeIsAViewOfTheElementsAlongOneAxis() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.arange(0f, 12f).reshape(2, 3, 2); // [[[0,1],[2,3],[4,5]], [[6,7],[8,9],[10,11]]]
            NDArray middle = Views.range(a, 1, 1, 3);
            assertEquals(new Shape(2, 2, 2), middle.getShape());
            assertArrayEquals(new float[] {2, 3, 4, 5, 8, 9, 10, 11}, middle.toFloatArray());
            middle.muli(-1); // a view: the parent changes
            assertArrayEquals(new float[] {0, 1, -2, -3, -4, -5, 6, 7, -8, -9, -10, -11}, a.toFloatArray());
            assertArrayEquals(new float[] {1, -3, -5, 7, -9, -11}, Views.range(a, 2, 1, 2).toFloatArray());
        }
    }

    @Test
    void aWriteFillsTheSlotAlongOneAxisAndNothingElse() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray target = m.zeros(new Shape(2, 4));
            Views.write(target, 1, 1, m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2)));
            assertArrayEquals(new float[] {0, 1, 2, 0, 0, 3, 4, 0}, target.toFloatArray());
            // a value of another dtype goes through the indexer and is converted
            Views.write(target, 1, 3, m.create(new int[] {7, 8}, new Shape(2, 1)));
            assertArrayEquals(new float[] {0, 1, 2, 7, 0, 3, 4, 8}, target.toFloatArray());
            assertEquals(DataType.FLOAT32, target.getDataType());
        }
    }
}
