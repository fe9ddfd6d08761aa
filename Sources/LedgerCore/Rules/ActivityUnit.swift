/// Units a methodology counts its activity in.
public enum ActivityUnit: String, CaseIterable, Sendable {
    case m, km, pkm, trip, wh = "Wh", kwh = "kWh", day, item, checkin = "check-in", order
}
