/// Low-carbon behaviour scenarios and the double-counting family each belongs to: two
/// behaviours of one account in the same family with overlapping intervals are one real-world
/// act (a metro ride and a bus ride at the same minutes are one journey), so only the first
/// report counts. Families `nil` are discrete acts that never overlap (a second-hand sale).
public enum Scenario: String, CaseIterable, Sendable {
    case metro, bus, bike, ebike, walking
    case nevTrip = "nev_trip"
    case carNoDrive = "car_no_drive"
    case evCharging = "ev_charging"
    case digitalRefuelling = "digital_refuelling"
    case eInvoice = "e_invoice"
    case noCutleryOrder = "no_cutlery_order"
    case cleanPlate = "clean_plate"
    case garbageSorting = "garbage_sorting"
    case secondHand = "second_hand"
    case householdElectricity = "household_electricity"

    /// The double-counting family (SPEC.md section 8.7).
    public var family: String? {
        switch self {
        case .metro, .bus, .bike, .ebike, .walking, .nevTrip: return "journey"
        case .carNoDrive: return "car_day"
        case .evCharging: return "charging"
        case .householdElectricity: return "electricity"
        case .digitalRefuelling, .eInvoice, .noCutleryOrder, .cleanPlate, .garbageSorting, .secondHand: return nil
        }
    }
}
