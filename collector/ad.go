package collector

import (
	"sort"
	"strconv"

	"github.com/wechat-exporter/wechat-exporter/served"
	"github.com/wechat-exporter/wechat-exporter/wechat"
)

// Ad analysis of publisher accounts (流量主), GET /publisher/stat. WeChat
// gives amounts in fen (CNY cents); they are exposed in yuan, the unit
// every WeChat screen shows.

// yuan is a figure in fen, in yuan.
func yuan(fen known) known { return fen.per(100) }

var (
	adRequestsDesc      = newDesc("wechat_ad_requests", "Ad requests that returned an ad, per ad slot (publisher_adpos_general req_succ_count).", "slot")
	adExposuresDesc     = newDesc("wechat_ad_exposures", "Ads shown, per ad slot (publisher_adpos_general exposure_count).", "slot")
	adExposureRatioDesc = newDesc("wechat_ad_exposure_ratio", "Ads shown per successful request, 0..1 (publisher_adpos_general exposure_rate).", "slot")
	adClicksDesc        = newDesc("wechat_ad_clicks", "Ad clicks, per ad slot (publisher_adpos_general click_count).", "slot")
	adClickRatioDesc    = newDesc("wechat_ad_click_ratio", "Clicks per ad shown, 0..1 (publisher_adpos_general click_rate).", "slot")
	adIncomeDesc        = newDesc("wechat_ad_income_yuan", "Ad income in yuan, per ad slot (publisher_adpos_general income, fen converted to yuan).", "slot")
	adECPMDesc          = newDesc("wechat_ad_ecpm_yuan", "Income per thousand ads shown, in yuan (publisher_adpos_general ecpm, fen converted to yuan).", "slot")
	adIncomeBaseDesc    = newDesc("wechat_ad_income_baseline_yuan", "Median daily ad income of all slots in yuan (publisher_adpos_general income), of the stored days in the week before the served day, a day without rows counting 0; absent with fewer than 3 such days.")

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
		adClicksDesc, adClickRatioDesc, adIncomeDesc, adECPMDesc, adIncomeBaseDesc)
	register(wechat.PublisherCPSGeneral.Name, collectCPS, cpsExposuresDesc, cpsClicksDesc, cpsClickRateDesc, cpsOrdersDesc,
		cpsOrderRatioDesc, cpsOrderAmtDesc, cpsCommissionDesc)
	register(wechat.PublisherSettlement.Name, collectSettlement, adRevenueDesc, adSettledDesc, adPendingDesc, adPenaltyDesc,
		adPeriodRevenueDesc, adPeriodStatusDesc, adPeriodSlotDesc)
}

// slotLabel is WeChat's ad slot name (SLOT_ID_BIZ_BOTTOM, ...), bounded.
func slotLabel(s string) string { return sanitize(s, 48) }

// collectAdPositions serves each slot of the served day. Several ad units
// of one slot are added up, their rates and eCPM recomputed from the sums;
// one unit's are served as WeChat sent them. A sum is known only when
// every unit's figure is.
func collectAdPositions(m *metrics, a *scope, ep *served.Endpoint) {
	bySlot := map[string][]wechat.AdPosition{}
	for _, r := range ep.Rows {
		if row := r.(wechat.AdPosition); row.RefDate == ep.Date {
			slot := slotLabel(string(row.AdSlot))
			bySlot[slot] = append(bySlot[slot], row)
		}
	}
	for _, slot := range sortedKeys(bySlot) {
		rows := bySlot[slot]
		sum := rows[0]
		for _, r := range rows[1:] {
			sum.ReqSuccCount = sum.ReqSuccCount.Add(r.ReqSuccCount)
			sum.ExposureCount = sum.ExposureCount.Add(r.ExposureCount)
			sum.ClickCount = sum.ClickCount.Add(r.ClickCount)
			sum.Income = sum.Income.Add(r.Income)
		}
		exposureRate, clickRate, ecpm := decimalOf(sum.ExposureRate), decimalOf(sum.ClickRate), decimalOf(sum.ECPM)
		if len(rows) > 1 {
			exposureRate = ratio(countOf(sum.ExposureCount), countOf(sum.ReqSuccCount))
			clickRate = ratio(countOf(sum.ClickCount), countOf(sum.ExposureCount))
			ecpm = ratio(countOf(sum.Income).times(1000), countOf(sum.ExposureCount))
		}
		m.add(adRequestsDesc, sum.ReqSuccCount, a.account, slot)
		m.add(adExposuresDesc, sum.ExposureCount, a.account, slot)
		m.put(adExposureRatioDesc, exposureRate, a.account, slot)
		m.add(adClicksDesc, sum.ClickCount, a.account, slot)
		m.put(adClickRatioDesc, clickRate, a.account, slot)
		m.put(adIncomeDesc, yuan(countOf(sum.Income)), a.account, slot)
		m.put(adECPMDesc, yuan(ecpm), a.account, slot)
	}
	income := dailyTotals(ep, func(r wechat.Row) known { return countOf(r.(wechat.AdPosition).Income) })
	m.put(adIncomeBaseDesc, yuan(baseline(income)), a.account)
}

// ratio is n/d, 0 for a d of 0, known when both are.
func ratio(n, d known) known {
	if d.ok && d.v == 0 {
		return known{0, n.ok}
	}
	return known{n.v / d.v, n.ok && d.ok}
}

func collectCPS(m *metrics, a *scope, ep *served.Endpoint) {
	for _, r := range ep.Rows {
		row := r.(wechat.CPSGeneral)
		if row.RefDate != ep.Date {
			continue
		}
		m.add(cpsExposuresDesc, row.ExposureCount, a.account)
		m.add(cpsClicksDesc, row.ClickCount, a.account)
		m.put(cpsClickRateDesc, decimalOf(row.ClickRate), a.account)
		m.add(cpsOrdersDesc, row.OrderCount, a.account)
		m.put(cpsOrderRatioDesc, decimalOf(row.OrderRate), a.account)
		m.put(cpsOrderAmtDesc, yuan(countOf(row.TotalFee)), a.account)
		m.put(cpsCommissionDesc, yuan(countOf(row.TotalCommission)), a.account)
	}
}

// collectSettlement serves the snapshot of the served day: the totals, and
// the newest maxSettlementPeriods periods.
func collectSettlement(m *metrics, a *scope, ep *served.Endpoint) {
	for _, r := range ep.Rows {
		s := r.(wechat.Settlement)
		if s.RefDate != ep.Date {
			continue
		}
		all, settled := countOf(s.RevenueAll), countOf(s.SettledRevenueAll)
		m.put(adRevenueDesc, yuan(all), a.account)
		m.put(adSettledDesc, yuan(settled), a.account)
		m.put(adPendingDesc, yuan(known{all.v - settled.v, all.ok && settled.ok}), a.account)
		m.put(adPenaltyDesc, yuan(countOf(s.PenaltyAll)), a.account)
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
			m.put(adPeriodRevenueDesc, yuan(countOf(p.SettledRevenue)), a.account, p.label)
			if status, ok := p.SettStatus.Value(); ok {
				m.addFloat(adPeriodStatusDesc, float64(status), a.account, p.label)
			}
			for _, sr := range p.SlotRevenue {
				m.put(adPeriodSlotDesc, yuan(countOf(sr.Amount())), a.account, p.label, slotLabel(string(sr.SlotID)))
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
	order, _ := p.Order.Value()
	return sanitize(string(p.Month), 16) + "-" + strconv.FormatInt(order, 10)
}
