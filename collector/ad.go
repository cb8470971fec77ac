package collector

import (
	"sort"
	"strconv"

	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Ad analysis of publisher accounts (流量主), GET /publisher/stat. WeChat
// gives amounts in fen (CNY cents); they are exposed in yuan, the unit
// every WeChat screen shows.

// yuan converts fen: dividing by 100 rounds correctly (521.75, not the
// 521.7500000000001 of multiplying by 0.01).
func yuan[T int64 | float64](fen T) float64 { return float64(fen) / 100 }

var (
	adRequestsDesc      = newDesc("wechat_ad_requests", "Ad requests that returned an ad, per ad slot (publisher_adpos_general req_succ_count).", "slot")
	adExposuresDesc     = newDesc("wechat_ad_exposures", "Ads shown, per ad slot (publisher_adpos_general exposure_count).", "slot")
	adExposureRatioDesc = newDesc("wechat_ad_exposure_ratio", "Ads shown per successful request, 0..1 (publisher_adpos_general exposure_rate).", "slot")
	adClicksDesc        = newDesc("wechat_ad_clicks", "Ad clicks, per ad slot (publisher_adpos_general click_count).", "slot")
	adClickRatioDesc    = newDesc("wechat_ad_click_ratio", "Clicks per ad shown, 0..1 (publisher_adpos_general click_rate).", "slot")
	adIncomeDesc        = newDesc("wechat_ad_income_yuan", "Ad income in yuan, per ad slot (publisher_adpos_general income, fen converted to yuan).", "slot")
	adECPMDesc          = newDesc("wechat_ad_ecpm_yuan", "Income per thousand ads shown, in yuan (publisher_adpos_general ecpm, fen converted to yuan).", "slot")

	cpsExposuresDesc  = newDesc("wechat_ad_cps_exposures", "Rebate goods shown (publisher_cps_general exposure_count).")
	cpsClicksDesc     = newDesc("wechat_ad_cps_clicks", "Rebate goods clicked (publisher_cps_general click_count).")
	cpsClickRateDesc  = newDesc("wechat_ad_cps_click_rate", "WeChat's click_rate of rebate goods as sent (publisher_cps_general click_rate); its unit is unclear (the public sample's value is exposures per click), so prefer wechat_ad_cps_clicks / wechat_ad_cps_exposures.")
	cpsOrdersDesc     = newDesc("wechat_ad_cps_orders", "Orders of rebate goods (publisher_cps_general order_count).")
	cpsOrderRatioDesc = newDesc("wechat_ad_cps_order_ratio", "Orders per click of rebate goods, 0..1 (publisher_cps_general order_rate).")
	cpsOrderAmtDesc   = newDesc("wechat_ad_cps_order_amount_yuan", "Amount of the rebate goods orders in yuan (publisher_cps_general total_fee, fen converted to yuan).")
	cpsCommissionDesc = newDesc("wechat_ad_cps_commission_yuan", "Estimated commission on rebate goods in yuan (publisher_cps_general total_commission, fen converted to yuan).")

	adRevenueDesc        = newDesc("wechat_ad_revenue_yuan", "All ad revenue to date in yuan (publisher_settlement revenue_all, fen converted to yuan).")
	adSettledDesc        = newDesc("wechat_ad_settled_revenue_yuan", "Ad revenue settled to date in yuan (publisher_settlement settled_revenue_all, fen converted to yuan).")
	adPendingDesc        = newDesc("wechat_ad_pending_revenue_yuan", "Ad revenue not yet settled in yuan: revenue_all - settled_revenue_all of publisher_settlement (penalties are shown apart).")
	adPenaltyDesc        = newDesc("wechat_ad_penalty_yuan", "Ad revenue deducted as penalties to date in yuan (publisher_settlement penalty_all, fen converted to yuan).")
	adPeriodRevenueDesc  = newDesc("wechat_ad_settlement_revenue_yuan", "Settled revenue of a half-month settlement period in yuan; period is its first day (publisher_settlement settlement_list settled_revenue).", "period")
	adPeriodStatusDesc   = newDesc("wechat_ad_settlement_status", "Status of a settlement period: 1 settling, 2 or 3 settled, 4 paying, 5 paid (publisher_settlement settlement_list sett_status).", "period")
	adPeriodSlotDesc     = newDesc("wechat_ad_settlement_slot_revenue_yuan", "A slot's settled revenue in a settlement period in yuan (publisher_settlement slot_revenue slot_settled_revenue).", "period", "slot")
	maxSettlementPeriods = 48 // two years of half-months: bounds the period label
)

func init() {
	register(wechat.PublisherAdPosGeneral.Name, collectAdPositions, adRequestsDesc, adExposuresDesc, adExposureRatioDesc,
		adClicksDesc, adClickRatioDesc, adIncomeDesc, adECPMDesc)
	register(wechat.PublisherCPSGeneral.Name, collectCPS, cpsExposuresDesc, cpsClicksDesc, cpsClickRateDesc, cpsOrdersDesc,
		cpsOrderRatioDesc, cpsOrderAmtDesc, cpsCommissionDesc)
	register(wechat.PublisherSettlement.Name, collectSettlement, adRevenueDesc, adSettledDesc, adPendingDesc, adPenaltyDesc,
		adPeriodRevenueDesc, adPeriodStatusDesc, adPeriodSlotDesc)
}

// slotLabel is WeChat's ad slot name (SLOT_ID_BIZ_BOTTOM, ...), bounded.
func slotLabel(s string) string { return sanitize(s, 48) }

// collectAdPositions serves each slot of the served day. Several ad units
// of one slot are added up, their rates and eCPM recomputed from the sums;
// one unit's are served as WeChat sent them.
func collectAdPositions(m *metrics, a *scope, ep *Endpoint) {
	bySlot := map[string][]wechat.AdPosition{}
	for _, r := range ep.Rows {
		if row := r.(wechat.AdPosition); row.RefDate == ep.Date {
			bySlot[slotLabel(row.AdSlot)] = append(bySlot[slotLabel(row.AdSlot)], row)
		}
	}
	for _, slot := range sortedKeys(bySlot) {
		rows := bySlot[slot]
		sum := rows[0]
		for _, r := range rows[1:] {
			sum.ReqSuccCount += r.ReqSuccCount
			sum.ExposureCount += r.ExposureCount
			sum.ClickCount += r.ClickCount
			sum.Income += r.Income
		}
		if len(rows) > 1 {
			sum.ExposureRate = ratio(sum.ExposureCount, sum.ReqSuccCount)
			sum.ClickRate = ratio(sum.ClickCount, sum.ExposureCount)
			sum.ECPM = ratio(sum.Income*1000, sum.ExposureCount)
		}
		m.add(adRequestsDesc, sum.ReqSuccCount, a.account, slot)
		m.add(adExposuresDesc, sum.ExposureCount, a.account, slot)
		m.addFloat(adExposureRatioDesc, sum.ExposureRate, a.account, slot)
		m.add(adClicksDesc, sum.ClickCount, a.account, slot)
		m.addFloat(adClickRatioDesc, sum.ClickRate, a.account, slot)
		m.addFloat(adIncomeDesc, yuan(sum.Income), a.account, slot)
		m.addFloat(adECPMDesc, yuan(sum.ECPM), a.account, slot)
	}
}

func ratio(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func collectCPS(m *metrics, a *scope, ep *Endpoint) {
	for _, r := range ep.Rows {
		row := r.(wechat.CPSGeneral)
		if row.RefDate != ep.Date {
			continue
		}
		m.add(cpsExposuresDesc, row.ExposureCount, a.account)
		m.add(cpsClicksDesc, row.ClickCount, a.account)
		m.addFloat(cpsClickRateDesc, row.ClickRate, a.account)
		m.add(cpsOrdersDesc, row.OrderCount, a.account)
		m.addFloat(cpsOrderRatioDesc, row.OrderRate, a.account)
		m.addFloat(cpsOrderAmtDesc, yuan(row.TotalFee), a.account)
		m.addFloat(cpsCommissionDesc, yuan(row.TotalCommission), a.account)
	}
}

// collectSettlement serves the snapshot of the served day: the totals, and
// the newest maxSettlementPeriods periods.
func collectSettlement(m *metrics, a *scope, ep *Endpoint) {
	for _, r := range ep.Rows {
		s := r.(wechat.Settlement)
		if s.RefDate != ep.Date {
			continue
		}
		m.addFloat(adRevenueDesc, yuan(s.RevenueAll), a.account)
		m.addFloat(adSettledDesc, yuan(s.SettledRevenueAll), a.account)
		m.addFloat(adPendingDesc, yuan(s.RevenueAll-s.SettledRevenueAll), a.account)
		m.addFloat(adPenaltyDesc, yuan(s.PenaltyAll), a.account)
		byLabel := map[string]wechat.SettlementPeriod{}
		for _, p := range s.Periods {
			byLabel[periodLabel(p)] = p // a period listed twice: the later entry
		}
		periods := make([]periodRow, 0, len(byLabel))
		for label, p := range byLabel {
			periods = append(periods, periodRow{label, p})
		}
		sort.Slice(periods, func(i, j int) bool { return periods[i].label > periods[j].label })
		if len(periods) > maxSettlementPeriods {
			periods = periods[:maxSettlementPeriods]
		}
		for _, p := range periods {
			m.addFloat(adPeriodRevenueDesc, yuan(p.SettledRevenue), a.account, p.label)
			m.addFloat(adPeriodStatusDesc, float64(p.SettStatus), a.account, p.label)
			for _, sr := range p.SlotRevenue {
				m.addFloat(adPeriodSlotDesc, yuan(sr.Amount()), a.account, p.label, slotLabel(sr.SlotID))
			}
		}
	}
}

type periodRow struct {
	label string
	wechat.SettlementPeriod
}

// periodLabel names a settlement period by its first day (2020-03-01,
// 2020-03-16); a month or order WeChat does not document passes through
// as month-order, sanitised.
func periodLabel(p wechat.SettlementPeriod) string {
	if d, ok := p.Start(); ok {
		return d.String()
	}
	return sanitize(string(p.Month), 16) + "-" + strconv.FormatInt(p.Order, 10)
}
