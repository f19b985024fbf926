"""Each partition's commands in offset order, each once, whatever faust hands over."""

from faust.types import TP

from services.queue.delivery import Arrival, OffsetOrder

P1, P2 = TP("commands", 1), TP("commands", 2)


def arrivals(order: OffsetOrder, tp: TP, offsets: list[int]) -> list[Arrival]:
    return [order.arrival(tp, offset) for offset in offsets]


def test_with_nothing_saved_the_first_command_sets_the_order():
    order = OffsetOrder(lambda partition: None)
    assert arrivals(order, P1, [7, 8, 9]) == [Arrival.next] * 3


def test_a_command_handled_before_comes_again_and_is_told_so():
    order = OffsetOrder(lambda partition: None)
    assert arrivals(order, P1, [7, 8, 9, 8, 9, 10]) == [Arrival.next] * 3 + [Arrival.again] * 2 + [Arrival.next]


def test_after_a_gap_the_partition_is_sought_back_once_to_the_first_missing_command():
    order = OffsetOrder(lambda partition: None)
    assert arrivals(order, P1, [7, 10, 11]) == [Arrival.next, Arrival.early, Arrival.early]
    assert order.to_seek(P1) == 8
    assert order.to_seek(P1) is None, "sought already"
    assert arrivals(order, P1, [8, 9, 10]) == [Arrival.next] * 3


def test_the_saved_state_says_where_a_partition_resumes():
    saved = {1: 41}
    order = OffsetOrder(saved.get)
    assert arrivals(order, P1, [39, 40, 41, 42]) == [Arrival.again] * 3 + [Arrival.next]
    assert arrivals(order, P2, [5]) == [Arrival.next], "nothing saved for partition 2"


def test_the_saved_state_ahead_of_what_comes_is_a_gap():
    order = OffsetOrder({1: 41}.get)
    assert order.arrival(P1, 45) is Arrival.early
    assert order.to_seek(P1) == 42


def test_forget_goes_back_to_the_saved_state():
    saved = {1: 41}
    order = OffsetOrder(saved.get)
    assert arrivals(order, P1, [42, 43]) == [Arrival.next] * 2
    order.forget()
    assert order.arrival(P1, 43) is Arrival.early, "43 was never saved"
