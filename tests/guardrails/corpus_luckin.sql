-- Fifty realistic analytics queries on the Luckin schema (MySQL dialect), written the way the engine,
-- the departmental tools and analysts write them. Used by the guard's false-block tests (every one must
-- be allowed and return the same rows through the rewrite) and as a second `lucky bench guard` corpus.
-- Statements end with ';' at the end of a line.
SELECT COUNT(*) AS orders FROM luckyus_sales_order.t_order o WHERE o.status = 90 AND o.currency_code = 'USD';
SELECT o.shop_name, COUNT(*) AS orders, ROUND(SUM(o.pay_money), 2) AS revenue
FROM luckyus_sales_order.t_order o
WHERE o.status = 90 AND o.currency_code = 'USD'
GROUP BY o.shop_name ORDER BY revenue DESC, o.shop_name;
SELECT DATE(CONVERT_TZ(o.create_time, 'UTC', 'America/New_York')) AS day, COUNT(*) AS orders
FROM luckyus_sales_order.t_order o
WHERE o.status = 90 AND o.shop_id NOT IN (SELECT id FROM luckyus_opshop.t_shop_info WHERE test_flag = 1)
GROUP BY day ORDER BY day;
SELECT oi.spu_name, COUNT(*) AS orders, ROUND(SUM(oi.pay_money), 2) AS revenue
FROM luckyus_sales_order.t_order_item oi JOIN luckyus_sales_order.t_order o ON o.id = oi.order_id
WHERE o.status = 90 GROUP BY oi.spu_name ORDER BY orders DESC, oi.spu_name LIMIT 15;
SELECT oi.one_category_name, SUM(oi.quantity) AS items
FROM luckyus_sales_order.t_order_item oi GROUP BY oi.one_category_name ORDER BY items DESC, oi.one_category_name;
SELECT CASE o.channel WHEN 1 THEN 'Android' WHEN 2 THEN 'iOS' WHEN 3 THEN 'Delivery platform' ELSE 'Other' END AS channel,
       COUNT(*) AS orders
FROM luckyus_sales_order.t_order o GROUP BY channel ORDER BY orders DESC, channel;
SELECT o.order_type, ROUND(AVG(o.pay_money), 2) AS aov FROM luckyus_sales_order.t_order o
WHERE o.status = 90 GROUP BY o.order_type ORDER BY o.order_type;
SELECT pc.channel_name, COUNT(*) AS trades, ROUND(SUM(t.amount) / 100, 2) AS dollars
FROM luckyus_sales_payment.t_trade t JOIN luckyus_sales_payment.t_pay_channel pc ON pc.channel_id = t.channel_id
WHERE t.status IN (1, 2, 3) GROUP BY pc.channel_name ORDER BY dollars DESC, pc.channel_name;
SELECT ROUND(AVG(TIMESTAMPDIFF(SECOND, p.accept_time, p.done_time)), 1) AS avg_seconds
FROM luckyus_opproduction.t_production p
WHERE p.accept_time IS NOT NULL AND p.done_time > p.accept_time
  AND TIMESTAMPDIFF(SECOND, p.accept_time, p.done_time) <= 1800;
SELECT d.machine_type, COUNT(*) AS devices, SUM(CASE WHEN d.online_status = 0 THEN 1 ELSE 0 END) AS offline
FROM luckyus_iot_platform.t_device d GROUP BY d.machine_type ORDER BY devices DESC, d.machine_type;
SELECT DATE_FORMAT(o.create_time, '%Y-%m') AS month, ROUND(SUM(o.pay_money), 2) AS revenue
FROM luckyus_sales_order.t_order o WHERE o.status = 90 GROUP BY month ORDER BY month;
SELECT DAYNAME(o.create_time) AS weekday, COUNT(*) AS orders FROM luckyus_sales_order.t_order o
GROUP BY weekday ORDER BY orders DESC, weekday;
SELECT CASE WHEN DAYOFWEEK(o.create_time) IN (1, 7) THEN 'weekend' ELSE 'weekday' END AS part, COUNT(*) AS orders
FROM luckyus_sales_order.t_order o GROUP BY part ORDER BY part;
SELECT o.user_no, COUNT(*) AS orders FROM luckyus_sales_order.t_order o
WHERE o.status = 90 GROUP BY o.user_no ORDER BY orders DESC, o.user_no LIMIT 10;
SELECT COUNT(DISTINCT o.user_no) AS buyers FROM luckyus_sales_order.t_order o WHERE o.status = 90;
SELECT COUNT(DISTINCT u.phone) AS phones, COUNT(u.email) AS emails, COUNT(*) AS users
FROM luckyus_sales_crm.t_user u;
SELECT COUNT(*) AS users_without_email FROM luckyus_sales_crm.t_user u WHERE u.email IS NULL;
SELECT u.register_channel, COUNT(*) AS users FROM luckyus_sales_crm.t_user u GROUP BY u.register_channel
ORDER BY u.register_channel;
SELECT up.age_range, COUNT(*) AS users FROM luckyus_sales_crm.t_user_profile up GROUP BY up.age_range
ORDER BY up.age_range;
WITH daily AS (
  SELECT DATE(o.create_time) AS day, SUM(o.pay_money) AS revenue
  FROM luckyus_sales_order.t_order o WHERE o.status = 90 GROUP BY DATE(o.create_time)
)
SELECT day, revenue, SUM(revenue) OVER (ORDER BY day) AS running FROM daily ORDER BY day;
WITH per_shop AS (
  SELECT o.shop_id, COUNT(*) AS orders FROM luckyus_sales_order.t_order o GROUP BY o.shop_id
)
SELECT s.shop_name, ps.orders FROM per_shop ps JOIN luckyus_opshop.t_shop_info s ON s.id = ps.shop_id
ORDER BY ps.orders DESC, s.shop_name;
SELECT s.shop_name, x.orders, RANK() OVER (ORDER BY x.orders DESC) AS rnk
FROM (SELECT o.shop_id, COUNT(*) AS orders FROM luckyus_sales_order.t_order o GROUP BY o.shop_id) x
JOIN luckyus_opshop.t_shop_info s ON s.id = x.shop_id ORDER BY rnk, s.shop_name;
SELECT o.shop_name, ROUND(100 * SUM(o.pay_money) / (SELECT SUM(o2.pay_money) FROM luckyus_sales_order.t_order o2
  WHERE o2.status = 90), 1) AS share
FROM luckyus_sales_order.t_order o WHERE o.status = 90 GROUP BY o.shop_name ORDER BY share DESC, o.shop_name;
SELECT 'orders' AS source, COUNT(*) AS n FROM luckyus_sales_order.t_order
UNION ALL SELECT 'trades', COUNT(*) FROM luckyus_sales_payment.t_trade
UNION ALL SELECT 'productions', COUNT(*) FROM luckyus_opproduction.t_production;
SELECT o.shop_id FROM luckyus_sales_order.t_order o
UNION SELECT p.shop_id FROM luckyus_opproduction.t_production p ORDER BY 1;
SELECT o.id, o.pay_money, a.pay_money AS amount_pay FROM luckyus_sales_order.t_order o
JOIN luckyus_sales_order.t_order_amount a ON a.order_id = o.id WHERE o.pay_money <> a.pay_money ORDER BY o.id;
SELECT o.id FROM luckyus_sales_order.t_order o
LEFT JOIN luckyus_sales_payment.t_trade t ON t.order_id = o.id WHERE t.id IS NULL ORDER BY o.id LIMIT 50;
SELECT o.id, o.tax_money FROM luckyus_sales_order.t_order o WHERE o.tax_money = 0 AND o.status = 90 ORDER BY o.id;
SELECT g.goods_name, st.stock_qty, st.safety_stock_qty FROM luckyus_scm_shopstock.t_shop_goods_stock st
JOIN luckyus_scm_commodity.t_mdm_goods g ON g.goods_code = st.goods_code
WHERE st.stock_qty < st.safety_stock_qty ORDER BY g.goods_name, st.stock_qty;
SELECT sp.supplier_name, COUNT(*) AS late FROM luckyus_scm_purchase.t_ship_order sh
JOIN luckyus_scm_purchase.t_supplier sp ON sp.supplier_id = sh.supplier_id
WHERE sh.arrival_date > sh.expected_arrival_date GROUP BY sp.supplier_name ORDER BY late DESC, sp.supplier_name;
SELECT f.shop_id, f.pred_date, ABS(f.pred_order_cnt - 10) AS err FROM luckyus_ireplenishment.t_order_predict_alg_v2 f
ORDER BY err DESC, f.shop_id, f.pred_date LIMIT 20;
SELECT e.experiment_name, h.group_name, COUNT(*) AS hits FROM luckyus_isalesdatamarketing.t_user_hit_experiment_record h
JOIN luckyus_isalesdatamarketing.t_experiment e ON e.experiment_id = h.experiment_id
GROUP BY e.experiment_name, h.group_name ORDER BY e.experiment_name, h.group_name;
SELECT ct.template_name, COUNT(*) AS used FROM luckyus_sales_marketing.t_coupon_record cr
JOIN luckyus_sales_marketing.t_coupon_template ct ON ct.template_id = cr.template_id
WHERE cr.use_time IS NOT NULL GROUP BY ct.template_name ORDER BY used DESC, ct.template_name LIMIT 10;
SELECT ib.business_date, SUM(ib.income_amount) AS income FROM luckyus_ifiaccounting.t_acc_income_bill ib
GROUP BY ib.business_date ORDER BY ib.business_date;
SELECT COUNT(*) AS invoices FROM luckyus_fi_tax.t_tax_invoice;
SELECT HOUR(CONVERT_TZ(o.create_time, 'UTC', 'America/New_York')) AS hour, COUNT(*) AS orders
FROM luckyus_sales_order.t_order o GROUP BY hour ORDER BY hour;
SELECT o.shop_name, MIN(o.create_time) AS first_order, MAX(o.create_time) AS last_order
FROM luckyus_sales_order.t_order o GROUP BY o.shop_name ORDER BY o.shop_name;
SELECT c.name, c.origin_price, c.commodity_level FROM luckyus_scm_commodity.t_commodity_base_info c
WHERE c.status = 4 AND c.name LIKE 'Iced %' ORDER BY c.name;
SELECT x.user_no, x.orders FROM (
  SELECT o.user_no, COUNT(*) AS orders, ROW_NUMBER() OVER (ORDER BY COUNT(*) DESC, o.user_no) AS rn
  FROM luckyus_sales_order.t_order o GROUP BY o.user_no
) x WHERE x.rn <= 5 ORDER BY x.rn;
SELECT u.user_no, COUNT(o.id) AS orders FROM luckyus_sales_crm.t_user u
LEFT JOIN luckyus_sales_order.t_order o ON o.user_no = u.user_no GROUP BY u.user_no ORDER BY orders DESC, u.user_no LIMIT 10;
SELECT COUNT(*) AS repeat_buyers FROM (
  SELECT o.user_no FROM luckyus_sales_order.t_order o GROUP BY o.user_no HAVING COUNT(*) > 1
) r;
SELECT ROUND(SUM(o.pay_money) / COUNT(DISTINCT o.user_no), 2) AS revenue_per_buyer FROM luckyus_sales_order.t_order o
WHERE o.status = 90;
SELECT o.currency_code, COUNT(*) AS orders FROM luckyus_sales_order.t_order o GROUP BY o.currency_code
ORDER BY o.currency_code;
SELECT p.shop_id, COUNT(*) AS productions, MAX(p.cup_count) AS max_cups FROM luckyus_opproduction.t_production p
GROUP BY p.shop_id ORDER BY p.shop_id;
SELECT t.id, t.amount, cf.total_fee FROM luckyus_sales_payment.t_trade t
JOIN luckyus_sales_payment.t_channel_fee cf ON cf.trade_id = t.id WHERE cf.total_fee > t.amount ORDER BY t.id;
SELECT o.shop_name, COUNT(*) AS cancelled FROM luckyus_sales_order.t_order o WHERE o.status = 0
GROUP BY o.shop_name HAVING COUNT(*) > 1 ORDER BY cancelled DESC, o.shop_name;
SELECT oi.spu_name FROM luckyus_sales_order.t_order_item oi
WHERE EXISTS (SELECT 1 FROM luckyus_sales_order.t_order o WHERE o.id = oi.order_id AND o.order_type = 2)
GROUP BY oi.spu_name ORDER BY oi.spu_name;
SELECT s.shop_name, s.time_zone, s.set_up_time FROM luckyus_opshop.t_shop_info s WHERE s.test_flag = 0
ORDER BY s.set_up_time, s.shop_name;
SELECT COUNT(*) AS orders, COUNT(DISTINCT o.shop_id) AS shops FROM luckyus_sales_order.t_order o
WHERE o.create_time >= '2026-02-01' AND o.create_time < '2026-02-15';
SELECT u.user_no, u.phone, u.email, u.nick_name FROM luckyus_sales_crm.t_user u ORDER BY u.user_no LIMIT 20;
SELECT CONCAT(u.nick_name, ' <', u.email, '>') AS contact FROM luckyus_sales_crm.t_user u ORDER BY u.id LIMIT 5;
